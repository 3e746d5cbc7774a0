#!/usr/bin/env python3
"""Build the AWS Lambda bundle: build/lambda/ and build/lambda.zip (see README.md, "Deploy to AWS")."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skill.tools.bundle import main  # noqa: E402  (needs the repository on sys.path first)

if __name__ == "__main__":
    sys.exit(main())
