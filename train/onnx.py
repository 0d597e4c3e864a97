"""The trained reader as int8 ONNX: the file `qa/reader.py` runs questions through.

    python -m train.onnx [--reader=qa/reader_model]

Reads the fp16 safetensors beside it and writes `model.int8.onnx` into the same folder.
train/reader.py's `--export` calls this too, so weights and their int8 copy never part.

Why int8 ONNX Runtime: on the two cores here a question's 12 windows take about 140 ms
in torch (bf16) and 390 ms in numpy (fp32), 90 ms in ONNX Runtime with int8 weights
(AVX512-VNNI), and ONNX Runtime loads in 0.3 s without torch, so the one-shot
`python -m qa` and the page run the same model. Dynamic quantization: weights are int8
per output channel (the word embeddings too), activations are quantized per batch at run
time, so no calibration data is needed. Most of the error comes from the feed-forward
output of the first two layers, whose inputs have the widest range: those two products
and the span head stay float32, which halves the loss (0.4 points of held-out SQuAD-2.0
F1 against float32, instead of 0.7; per tensor, 1.6) for 7% of the speed
(BENCHMARKS.md, "The reader in int8").
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

INPUTS = ("input_ids", "token_type_ids", "attention_mask")
# The matrix products left in float32 (see above), by the names the export gives them.
KEPT_FLOAT = re.compile(r"layer\.[01]/output/dense/MatMul$|qa_outputs/MatMul$")
FILE = "model.int8.onnx"


def export_int8(folder: Path) -> Path:
    """Write folder/model.int8.onnx from the weights in `folder`; returns its path."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForQuestionAnswering

    model = AutoModelForQuestionAnswering.from_pretrained(folder, dtype=torch.float32).eval()

    class Logits(torch.nn.Module):
        """Start and end logits stacked on the last axis: one output, as the runtime reads it."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor,
                    attention_mask: torch.Tensor) -> torch.Tensor:
            out = self.model(input_ids=input_ids, token_type_ids=token_type_ids,
                             attention_mask=attention_mask)
            return torch.stack([out.start_logits, out.end_logits], dim=-1)

    sample = torch.randint(1000, 5000, (2, 64))
    axes = {"batch": 0, "tokens": 1}
    dynamic = {name: {i: a for a, i in axes.items()} for name in (*INPUTS, "logits")}
    target = folder / FILE
    with tempfile.TemporaryDirectory() as work:
        plain = Path(work) / "model.onnx"
        torch.onnx.export(Logits(), (sample, torch.zeros_like(sample), torch.ones_like(sample)),
                          str(plain), input_names=list(INPUTS), output_names=["logits"],
                          dynamic_axes=dynamic, opset_version=17, dynamo=False)
        kept = [node.name for node in onnx.load(str(plain)).graph.node if KEPT_FLOAT.search(node.name)]
        partial = target.with_suffix(".tmp")
        quantize_dynamic(plain, partial, weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Gather"], nodes_to_exclude=kept)
        partial.replace(target)
    return target


def main(argv: list[str]) -> None:
    from qa.reader import SHIPPED

    folder = SHIPPED
    for arg in argv:
        key, _, value = arg.removeprefix("--").partition("=")
        if key != "reader" or not value:
            sys.exit(f"unknown setting {arg!r}: use --reader=FOLDER")
        folder = Path(value)
    path = export_int8(folder)
    print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MB)")


if __name__ == "__main__":
    main(sys.argv[1:])
