from index.cli import main, run

# Guarded: the processes `--workers N` spawns import this module again and must not run it.
if __name__ == "__main__":
    run(main)
