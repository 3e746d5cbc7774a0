#!/usr/bin/env python3
"""Build the AWS Lambda bundle: build/lambda/ and build/lambda.zip (see README.md, "Deploy to AWS")."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skill.tools.bundle import main

if __name__ == "__main__":
    sys.exit(main())
