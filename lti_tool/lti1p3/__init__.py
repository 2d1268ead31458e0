"""The LTI 1.3 / LTI Advantage protocol, with no web framework in it.

One module per concern, as Open edX keeps ``lti_consumer/lti_1p3/`` free of
Django: login initiation (``oidc``), launch verification (``launch``), Dynamic
Registration (``registration``, ``invitations``), Deep Linking
(``deep_linking``), the services (``ags``, ``nrps``, ``service_http``,
``access_tokens``), keys (``keys``, ``platform_keys``), the platforms Padu
knows (``registry``), role mapping (``roles``), launch presentation
(``presentation``) and one exception class per failure (``exceptions``).

The web shell (``lti_tool.app``, ``sessions``, ``auth``, the views, the CLI,
the server and the grade worker) imports this package; nothing here imports
Flask, and ``tests/lti_tool/test_layering.py`` keeps it so.
"""
