"""Raw files to validated canonical tables.

Readers of the BPS and administrative files (:mod:`tkpk_lib.data.readers`), the table schemas
(:mod:`tkpk_lib.data.schemas`), their validation (:mod:`tkpk_lib.data.validate`), the canonical
parquet tables built from them (:mod:`tkpk_lib.data.canonical`), the reference tables
(:mod:`tkpk_lib.data.reference_data`), the streamed registry reader
(:mod:`tkpk_lib.data.registry_stream`) and the data summary (:mod:`tkpk_lib.data.summary`).
"""
