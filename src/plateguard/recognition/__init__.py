"""Plate recognition engine: detector -> reader -> region inference. No web or database imports."""

from plateguard.recognition.onnx_session import ModelLoadError, load_session
from plateguard.recognition.pipeline import Pipeline, PipelineConfig, build_default
from plateguard.recognition.types import (
    BoundingBox,
    PlateCandidate,
    PlateDetection,
    PlateDetector,
    PlateReader,
    PlateText,
    RecognizedPlate,
    RegionClassifier,
    RegionGuess,
)

__all__ = [
    "BoundingBox",
    "ModelLoadError",
    "Pipeline",
    "PipelineConfig",
    "PlateCandidate",
    "PlateDetection",
    "PlateDetector",
    "PlateReader",
    "PlateText",
    "RecognizedPlate",
    "RegionClassifier",
    "RegionGuess",
    "build_default",
    "load_session",
]
