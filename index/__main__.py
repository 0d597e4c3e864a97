from index.cli import main, run

run(main)
