import os
import sys

from starter.cli import main

code = main()
sys.stdout.flush()
sys.stderr.flush()
# Work around a known interpreter-exit crash in the Temporal SDK's native runtime.
os._exit(code)
