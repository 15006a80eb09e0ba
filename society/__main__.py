"""`python -m society`: the same command line as the `society` script."""

from society.cli import app

if __name__ == "__main__":
    app()
