from index.cli import run
from qa.cli import main

run(main)
