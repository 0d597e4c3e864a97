"""Ask questions of indexed news articles; every answer cites its sources.

    from qa import ask
    answer = ask("Who is the Prime Minister of Japan?")   # default index: the seeds
    print(answer.to_text()); answer.to_dict()
"""

from qa.answer import ask
from qa.result import Answer, Citation, Conflict, Position

__all__ = ["Answer", "Citation", "Conflict", "Position", "ask"]
