"""python -m brandguard: the command line."""
import sys

from brandguard.cli import main

sys.exit(main())
