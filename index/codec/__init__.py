"""This project's Whoosh codec (see codec.py) and its file format (invindex.py)."""

from index.codec.codec import CODEC_VERSION, JnsCodec, JnsFieldWriter, JnsSegment

__all__ = ["CODEC_VERSION", "JnsCodec", "JnsFieldWriter", "JnsSegment"]
