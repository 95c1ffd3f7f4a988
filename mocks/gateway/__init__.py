"""The mock state gateway: server assembly, routing, OAuth2 tokens, SOAP and REST plumbing,
rate limits, faults, the request journal and the admin API with its guard.

Dependencies run one way: the services (:mod:`mocks.registries`, :mod:`mocks.spolis`,
:mod:`mocks.recipients`) import the gateway, the gateway imports the world (:mod:`mocks.world`),
the world imports neither.
"""
