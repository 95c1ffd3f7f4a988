"""The kernel: what every layer may import (errors, personal codes, masking, settings, figures,
the Riga clock). It imports nothing of Tilts outside itself."""
