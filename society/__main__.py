"""`python -m society`: the same command line as the `society` script."""

from society.cli.guard import main

if __name__ == "__main__":
    main()
