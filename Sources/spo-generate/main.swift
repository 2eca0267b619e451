import SPORuntime

/// `spo-generate --spec RESOLVED_SPEC.json --replica N`: the generate stage (see `GenerateWorker`).
StageMain.run(.generate) { try GenerateWorker(runtime: $0) }
