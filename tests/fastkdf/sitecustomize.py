"""Put on PYTHONPATH by tests that run varsel in a subprocess: keys are made with tiny KDF
parameters there too. Production code has no switch for this (see crypto/kdf.py)."""

from varsel_tui.crypto import kdf

kdf.use_fixed_params(kdf.fast_test_params())
