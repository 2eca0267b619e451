import SPORuntime

/// `spo-advantage --spec RESOLVED_SPEC.json --replica N`: the advantage stage (see `AdvantageWorker`).
StageMain.run(.advantage) { try AdvantageWorker(runtime: $0) }
