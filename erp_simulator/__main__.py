import sys

from erp_simulator.cli import main

sys.exit(main())
