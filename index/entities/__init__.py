"""Named entities (people, places, organisations) from one Sudachi analysis.

``extract_entities(analysis)`` reads the split-mode C morphemes that
:func:`index.analysis.analyze` already produced and never runs Sudachi again.
The package, one concern a module:

* ``entity``     the :class:`Entity` record and :data:`ENTITY_TYPES`;
* ``morphemes``  morpheme kinds (:class:`Kind`) and spelling tests;
* ``lexicon``    word lists (titles, organisation heads, country letters ...)
                 and the JMnedict name lexicon;
* ``rules``      the rule system (:func:`rule_entities`), precise on what
                 Sudachi's dictionary knows;
* ``features``   what the tagger reads: the segments it tags and each
                 morpheme's features, in cached groups;
* ``model``      the tagger: an averaged-perceptron BIO sequence model over
                 the morphemes, reading the rules' verdict among its
                 features, decoded by Viterbi (:func:`extract_entities`);
* ``canonical``  one name per entity: display forms, matching keys, short
                 mentions resolved within an article, the alias table;
* ``boilerplate`` names a source repeats in almost every article.

Conventions are IREX's as bench/entities/GUIDE.md states them (titles
outside names, 東京都 a place, 日米 two places, 大阪府警 an organisation).
Training data, scorer and the scripts that build the model are in
bench/entities; what trained the shipped model is in index/data/README.md.
"""

from __future__ import annotations

from .entity import ENTITY_TYPES, Entity
from .lexicon import LEXICON_PATH
from .model import LABELS, MODEL_PATH, Model, Settings, decide, extract_entities, load_model
from .morphemes import Kind
from .rules import rule_entities

# Bump when the entities an article gets may change (the index records it).
EXTRACTOR_VERSION = 3

__all__ = [
    "ENTITY_TYPES",
    "EXTRACTOR_VERSION",
    "LABELS",
    "LEXICON_PATH",
    "MODEL_PATH",
    "Entity",
    "Kind",
    "Model",
    "Settings",
    "decide",
    "extract_entities",
    "load_model",
    "rule_entities",
]
