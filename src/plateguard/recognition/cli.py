"""`plateguard recognize` (and `train`) commands. Registered in `plateguard.cli`."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from plateguard.recognition.images import ImageReadError, expand_paths, load_image

if TYPE_CHECKING:
    from plateguard.config import RecognitionSettings


class OutputFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"
    table = "table"


def recognize(
    paths: Annotated[list[Path], typer.Argument(help="Image files or folders of images.")],
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.jsonl,
    plate_crops: Annotated[
        bool, typer.Option("--plate-crops", help="Each image is an already-cropped plate (reader only).")
    ] = False,
    threads: Annotated[
        int | None,
        typer.Option("--threads", min=1, help="ONNX Runtime threads (default: recognition.threads)."),
    ] = None,
    reader: Annotated[
        str | None,
        typer.Option(
            "--reader", help="Plate reader: tuned, ppocr, crnn, hybrid or fast (default: recognition.reader)."
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="plateguard.toml to read (else $PLATEGUARD_CONFIG).")
    ] = None,
) -> None:
    """Read license plates in images; prints one result per image, exits non-zero if any file failed."""
    from plateguard.recognition.onnx_session import ModelLoadError
    from plateguard.recognition.pipeline import READERS, build_default

    configured = _configured(config)
    reader = reader or configured.reader
    if reader not in READERS:
        raise typer.BadParameter(f"choose one of {', '.join(READERS)}", param_hint="--reader")
    try:
        pipeline = build_default(threads=threads or configured.threads, reader=reader)
    except ModelLoadError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    results: list[dict[str, object]] = []
    failed = 0
    for path in expand_paths(paths):
        result = _recognize_one(pipeline, path, plate_crops)
        failed += "error" in result
        if fmt is OutputFormat.jsonl:
            typer.echo(json.dumps(result))
        else:
            results.append(result)
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(results, indent=2))
    elif fmt is OutputFormat.table:
        _print_table(results)
    if failed:
        raise typer.Exit(code=1)


def _configured(config: Path | None) -> RecognitionSettings:
    """The recognition settings of the configuration (file, environment), as ingest uses them."""
    from plateguard.config import load_settings
    from plateguard.errors import ConfigurationError

    try:
        return load_settings(config_file=config).recognition
    except ConfigurationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc


def _recognize_one(pipeline: object, path: Path, plate_crops: bool) -> dict[str, object]:
    from plateguard.recognition.pipeline import Pipeline

    assert isinstance(pipeline, Pipeline)
    start = time.perf_counter()
    try:
        image = load_image(path)
    except ImageReadError as exc:
        return {"source": str(path), "error": str(exc), "plates": []}
    plates = [pipeline.read_crop(image)] if plate_crops else pipeline.recognize(image)
    plates = [p for p in plates if p.plate]
    elapsed = (time.perf_counter() - start) * 1000.0
    return {
        "source": str(path),
        "plates": [p.to_dict() for p in sorted(plates, key=lambda p: -p.confidence)],
        "elapsed_ms": round(elapsed, 1),
    }


def _print_table(results: list[dict[str, object]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("source", "plate", "confidence", "region", "box", "color", "ms")
    for res in results:
        plates = res.get("plates") or []
        assert isinstance(plates, list)
        if "error" in res:
            table.add_row(str(res["source"]), "[red]error[/red]", "", "", str(res["error"]), "", "")
        for p in plates or ([{}] if "error" not in res else []):
            table.add_row(
                str(res["source"]),
                str(p.get("plate", "-")),
                str(p.get("confidence", "")),
                str(p.get("region", "")),
                str(p.get("box", "")),
                str(p.get("vehicle_color", "")),
                str(res.get("elapsed_ms", "")),
            )
    Console().print(table)


def main() -> None:
    app = typer.Typer(add_completion=False, no_args_is_help=True)
    app.command("recognize")(recognize)

    @app.callback()
    def _root() -> None:
        """plateguard recognition engine."""

    app()


if __name__ == "__main__":
    main()
