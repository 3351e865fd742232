import subprocess
import sys


def test_package_import_is_cheap():
    code = (
        "import sys\n"
        "import varsel_tui.crypto, varsel_tui.crypto.errors, varsel_tui.crypto.audit\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] == 'cryptography']\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
