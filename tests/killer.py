"""The resume tests' killer: `society.testing.killer` (kept at this path for the tests)."""

from society.testing.killer import main

if __name__ == "__main__":
    main()
