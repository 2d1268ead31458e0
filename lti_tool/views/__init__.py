"""Blueprints of the LTI endpoints and the pages shared by every activity."""
