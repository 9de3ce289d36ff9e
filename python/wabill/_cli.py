"""The ``wabill`` console script: the command, run by the extension."""

import sys

from . import _wabill


def main():
    sys.stdout.flush()
    sys.stderr.flush()
    return _wabill.main(["wabill", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
