extension SpecResolver {
    static let samplingKeys = ["temperature", "top_p", "max_tokens", "samples_per_prompt", "prompts_per_iteration"]
    static let optimizeKeys = [
        "clip_epsilon", "log_ratio_clamp", "probability_mask", "kl", "epochs", "batch_size",
        "micro_batch_size", "learning_rate", "adamw", "max_gradient_norm", "skip_ratio_above",
        "whiten_advantages", "value_loss", "max_staleness", "replay",
    ]
    static let learningRateKeys: [LearningRateSettings.Kind: [String]] = [
        .constant: ["kind", "rate"],
        .linearWarmupLinearDecay: ["kind", "peak", "warmup_fraction", "final"],
    ]
    static let evaluationKeys = ["every", "samples", "temperature", "questions", "greedy"]

    /// `sampling`; `samples_per_prompt` is absent with tree sampling and at least 2 for
    /// the group baselines (GRPO, RLOO).
    func readSampling(_ context: PresetContext, credit: CreditAssignment) -> SamplingSettings {
        let s = root.section("sampling")
        let temperature = s.number("temperature", .positive, default: 0.6)
        let topP = s.number("top_p", .openClosed(0, 1), default: 0.9)
        let maxTokens = s.integer("max_tokens", .positive, default: 256)
        let prompts = s.integer("prompts_per_iteration", .positive, default: context.preset.promptsPerIteration)
        var samples: Int?
        let samplesPath = s.path.appending("samples_per_prompt")
        if credit.partition.kind == .tree {
            if let node = s.node("samples_per_prompt") {
                reading.report(
                    samplesPath, expected: "no samples_per_prompt (with partition kind tree the tree sets the responses per prompt)",
                    found: node, hint: "set tree.branching (spo_tree) or tree.leaf_budget (treepo) instead")
            }
        } else {
            let count = s.integer("samples_per_prompt", .positive, default: context.preset.samplesPerPrompt ?? 8)
            if count < 2, [.grpo, .rloo].contains(credit.advantage.kind) {
                reading.report(
                    samplesPath, expected: "an integer >= 2", found: "\(count)",
                    hint: "advantage \(credit.advantage.kind.rawValue) compares each response with the others of its prompt")
            }
            samples = count
        }
        s.finish(allowed: Self.samplingKeys, owner: "sampling")
        return SamplingSettings(
            temperature: temperature, topP: topP, maxTokens: maxTokens, samplesPerPrompt: samples,
            promptsPerIteration: prompts)
    }

    func readOptimize(_ context: PresetContext, credit: CreditAssignment, sampling: SamplingSettings) -> OptimizeSettings {
        let o = root.section("optimize")

        let mask = o.section("probability_mask")
        let probabilityMask = ProbabilityMask(
            enabled: mask.bool("enabled", default: context.preset.probabilityMask),
            threshold: mask.number("threshold", .openClosed(0, 1), default: 0.9))
        mask.finish(allowed: ["enabled", "threshold"], owner: "optimize.probability_mask")

        let klObject = o.section("kl")
        let kl = KLPenalty(
            beta: klObject.number("beta", .nonNegative, default: 1e-4),
            estimator: klObject.choice("estimator", default: .k3))
        klObject.finish(allowed: ["beta", "estimator"], owner: "optimize.kl")

        let batchSize = o.integer("batch_size", .positive, default: context.preset.batchSize)
        let microBatchSize = o.integer("micro_batch_size", .positive, default: batchSize)
        if batchSize % microBatchSize != 0 {
            reading.report(
                o.path.appending("micro_batch_size"), expected: "an integer that divides batch_size (\(batchSize))",
                found: "\(microBatchSize)")
        }
        if let samples = sampling.samplesPerPrompt, batchSize > samples * sampling.promptsPerIteration {
            let perIteration = samples * sampling.promptsPerIteration
            reading.report(
                o.path.appending("batch_size"),
                expected: "an integer from 1 to \(perIteration), one iteration's samples "
                    + "(prompts_per_iteration \(sampling.promptsPerIteration) × samples_per_prompt \(samples))",
                found: o.contains("batch_size") ? "\(batchSize)" : context.defaulted("\(batchSize)"))
        }

        let adamwObject = o.section("adamw")
        let adamw = AdamWSettings(
            beta1: adamwObject.number("beta1", .closedOpen(0, 1), default: 0.9),
            beta2: adamwObject.number("beta2", .closedOpen(0, 1), default: 0.999),
            epsilon: adamwObject.number("epsilon", .positive, default: 1e-8),
            weightDecay: adamwObject.number("weight_decay", .nonNegative, default: 0))
        adamwObject.finish(allowed: ["beta1", "beta2", "epsilon", "weight_decay"], owner: "optimize.adamw")

        let settings = OptimizeSettings(
            clipEpsilon: o.number("clip_epsilon", .open(0, 1), default: 0.2),
            logRatioClamp: o.number("log_ratio_clamp", .positive, default: 10),
            probabilityMask: probabilityMask, kl: kl,
            epochs: o.integer("epochs", .positive, default: context.preset.epochs),
            batchSize: batchSize, microBatchSize: microBatchSize,
            learningRate: readLearningRate(in: o), adamw: adamw,
            maxGradientNorm: o.number("max_gradient_norm", .positive, default: 1),
            skipRatioAbove: o.number("skip_ratio_above", .above(1), default: 10),
            whitenAdvantages: o.bool("whiten_advantages", default: true),
            valueLoss: readValueLoss(in: o, credit: credit),
            maxStaleness: o.integer("max_staleness", .nonNegative, default: 0),
            replay: readReplay(in: o, credit: credit))
        o.finish(allowed: Self.optimizeKeys, owner: "optimize") { key in
            key == "warmup_fraction"
                ? "warmup_fraction belongs in optimize.learning_rate (kind \"linear_warmup_linear_decay\")" : nil
        }
        return settings
    }

    private func readLearningRate(in optimize: ObjectReader) -> LearningRateSettings {
        let section = optimize.kindedSection("learning_rate", default: LearningRateSettings.Kind.linearWarmupLinearDecay)
        let l = section.object
        let schedule: LearningRateSettings
        switch section.kind {
        case .constant:
            schedule = .constant(rate: l.number("rate", .positive, default: 1e-6))
        case .linearWarmupLinearDecay:
            let peak = l.number("peak", .positive, default: 1e-6)
            let final = l.number("final", .nonNegative, default: 0)
            if final > peak {
                reading.report(
                    l.path.appending("final"), expected: "a number in [0, \(format(peak))] (at most peak)",
                    found: "\(format(final))")
            }
            schedule = .linearWarmupLinearDecay(
                peak: peak, warmupFraction: l.number("warmup_fraction", .closedOpen(0, 1), default: 0.03), final: final)
        }
        l.finish(kind: section.kind, keysByKind: Self.learningRateKeys, owner: "optimize.learning_rate")
        return schedule
    }

    /// `optimize.value_loss`: for value kind critic only.
    private func readValueLoss(in optimize: ObjectReader, credit: CreditAssignment) -> ValueLoss? {
        guard credit.value.kind == .critic else {
            if let node = optimize.node("value_loss") {
                reading.report(
                    optimize.path.appending("value_loss"),
                    expected: "no value_loss (it trains the critic of value kind \"critic\"; "
                        + "value kind is \(quoted(credit.value.kind.rawValue)))",
                    found: node)
            }
            return nil
        }
        let v = optimize.section("value_loss")
        let loss = ValueLoss(
            coefficient: v.number("coefficient", .positive, default: 0.5),
            clip: v.number("clip", .positive, default: 0.2))
        v.finish(allowed: ["coefficient", "clip"], owner: "optimize.value_loss")
        return loss
    }

    /// `optimize.replay`: for advantage kind tree (SPO-tree's edges) only.
    private func readReplay(in optimize: ObjectReader, credit: CreditAssignment) -> ReplayBuffer? {
        guard credit.advantage.kind == .tree else {
            if let node = optimize.node("replay") {
                reading.report(
                    optimize.path.appending("replay"),
                    expected: "no replay (it replays SPO-tree edges, advantage kind \"tree\"; "
                        + "advantage kind is \(quoted(credit.advantage.kind.rawValue)))",
                    found: node)
            }
            return nil
        }
        let r = optimize.section("replay")
        let replay = ReplayBuffer(
            enabled: r.bool("enabled", default: false),
            maxEdgesPerPrompt: r.integer("max_edges_per_prompt", .positive, default: 32),
            maxAge: r.integer("max_age", .positive, default: 8))
        r.finish(allowed: ["enabled", "max_edges_per_prompt", "max_age"], owner: "optimize.replay")
        return replay
    }

    func readEvaluation() -> EvaluationSettings {
        let e = root.section("evaluation")
        let settings = EvaluationSettings(
            every: e.integer("every", .nonNegative, default: 10),
            samples: e.integer("samples", .positive, default: 16),
            temperature: e.number("temperature", .nonNegative, default: 0.35),
            questions: e.optionalInteger("questions", .positive),
            greedy: e.bool("greedy", default: true))
        e.finish(allowed: Self.evaluationKeys, owner: "evaluation")
        return settings
    }
}
