"""The registry services behind the gateway: PMLP and VDEĀVK (SOAP), VSAA, VID and NVA (REST)."""
