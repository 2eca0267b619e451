/// The partition, value and advantage of a spec, read and checked against each other.
struct CreditAssignment {
    let partition: PartitionSettings
    let value: ValueSettings
    let advantage: AdvantageSettings
}

extension SpecResolver {
    static let partitionKeys: [PartitionKind: [String]] = [
        .cutpoint: ["kind", "threshold", "interval"], .fixed: ["kind", "segments"],
        .intervalTokens: ["kind", "tokens"], .newline: ["kind", "max_steps"],
        .whole: ["kind"], .tree: ["kind"],
    ]
    static let valueKeys: [ValueKind: [String]] = [
        .monteCarlo: ["kind", "rollouts"], .none: ["kind"], .tree: ["kind"], .critic: ["kind"],
    ]
    static let advantageKeys: [AdvantageKind: [String]] = [
        .chain: ["kind"], .tree: ["kind", "form", "std_epsilon"], .treePO: ["kind"],
        .grpo: ["kind", "std_epsilon"], .rloo: ["kind"], .gae: ["kind", "gamma", "lambda"],
    ]
    static let treeKeys: [TreeKind: [String]] = [
        .spoTree: ["kind", "branching", "segment_tokens"],
        .treePO: [
            "kind", "initial_copies", "leaf_budget", "max_depth", "segment_tokens", "branching_mode",
            "logprob_temperature", "repetition", "fallback",
        ],
    ]

    func readCreditAssignment(_ context: PresetContext) -> CreditAssignment {
        let preset = context.preset

        let partitionSection = root.kindedSection("partition", default: preset.partition)
        let p = partitionSection.object
        let partition: PartitionSettings
        switch partitionSection.kind {
        case .cutpoint:
            partition = .cutpoint(
                threshold: p.number("threshold", .openClosed(0, 1), default: 0.9),
                interval: p.integer("interval", .positive, default: 5))
        case .fixed: partition = .fixed(segments: p.requiredInteger("segments", .positive) ?? 1)
        case .intervalTokens: partition = .intervalTokens(tokens: p.requiredInteger("tokens", .positive) ?? 1)
        case .newline: partition = .newline(maxSteps: p.integer("max_steps", .positive, default: 25))
        case .whole: partition = .whole
        case .tree: partition = .tree
        }
        p.finish(kind: partitionSection.kind, keysByKind: Self.partitionKeys, owner: "partition")

        let valueSection = root.kindedSection("value", default: preset.value)
        let v = valueSection.object
        let value: ValueSettings
        switch valueSection.kind {
        case .monteCarlo: value = .monteCarlo(rollouts: v.integer("rollouts", .positive, default: 9))
        case .none: value = .none
        case .tree: value = .tree
        case .critic: value = .critic
        }
        v.finish(kind: valueSection.kind, keysByKind: Self.valueKeys, owner: "value")

        let advantageSection = root.kindedSection("advantage", default: preset.advantage)
        let a = advantageSection.object
        let advantage: AdvantageSettings
        switch advantageSection.kind {
        case .chain: advantage = .chain
        case .tree:
            advantage = .tree(
                form: a.choice("form", default: .rloo),
                stdEpsilon: a.number("std_epsilon", .positive, default: 1e-8))
        case .treePO: advantage = .treePO
        case .grpo: advantage = .grpo(stdEpsilon: a.number("std_epsilon", .positive, default: 1e-8))
        case .rloo: advantage = .rloo
        case .gae:
            advantage = .gae(
                gamma: a.number("gamma", .closed(0, 1), default: 1),
                lambda: a.number("lambda", .closed(0, 1), default: 1))
        }
        a.finish(kind: advantageSection.kind, keysByKind: Self.advantageKeys, owner: "advantage")

        checkCompatibility(
            advantage: advantage.kind, advantageWritten: advantageSection.kindWritten,
            partition: partition.kind, partitionWritten: partitionSection.kindWritten,
            value: value.kind, valueWritten: valueSection.kindWritten, context: context)
        return CreditAssignment(partition: partition, value: value, advantage: advantage)
    }

    /// What each advantage estimator needs from the partition and value stages.
    static func requirements(of advantage: AdvantageKind) -> (partitions: [PartitionKind], values: [ValueKind], reason: String) {
        switch advantage {
        case .chain:
            return ([.cutpoint, .fixed, .intervalTokens, .newline, .whole], [.monteCarlo],
                    "advantage chain needs Monte Carlo values at the boundaries of a segment partition")
        case .tree, .treePO:
            return ([.tree], [.tree],
                    "advantage \(advantage.rawValue) needs the sampling tree: partition and value kind tree")
        case .grpo, .rloo:
            return ([.whole], [.none],
                    "advantage \(advantage.rawValue) uses only the responses' rewards, so segments or values "
                        + "would be computed for nothing (advantage chain gives segment credit)")
        case .gae:
            return ([.whole], [.critic], "advantage gae needs a critic's value at every token: value kind critic")
        }
    }

    /// Reports a partition or value kind the advantage cannot use, at the key the spec
    /// wrote (the partition or value kind when written, else the advantage kind).
    private func checkCompatibility(
        advantage: AdvantageKind, advantageWritten: Bool,
        partition: PartitionKind, partitionWritten: Bool,
        value: ValueKind, valueWritten: Bool, context: PresetContext
    ) {
        let needs = Self.requirements(of: advantage)
        func kinds<Kind: RawRepresentable<String>>(_ list: [Kind]) -> String {
            list.map { quoted($0.rawValue) }.joined(separator: ", ")
        }
        func found(_ kind: String, written: Bool) -> String {
            written ? "\(quoted(kind)) (a string)" : context.defaulted(quoted(kind))
        }
        let checks: [(section: String, kind: String, written: Bool, fits: Bool, allowed: String)] = [
            ("partition", partition.rawValue, partitionWritten, needs.partitions.contains(partition), kinds(needs.partitions)),
            ("value", value.rawValue, valueWritten, needs.values.contains(value), kinds(needs.values)),
        ]
        var advantageReported = false
        for check in checks where !check.fits {
            if check.written || !advantageWritten {
                reading.report(
                    .root.appending(check.section).appending("kind"),
                    expected: "a \(check.section) kind that advantage kind \(quoted(advantage.rawValue)) works with (\(check.allowed))",
                    found: found(check.kind, written: check.written), hint: needs.reason)
            } else if !advantageReported {
                advantageReported = true
                reading.report(
                    .root.appending("advantage").appending("kind"),
                    expected: "an advantage kind that works with \(check.section) kind \(quoted(check.kind))",
                    found: "\(quoted(advantage.rawValue)) (a string)", hint: needs.reason)
            }
        }
    }

    /// `tree`: required with partition kind tree (filled by the tree methods' presets),
    /// an error otherwise.
    func readTree(_ context: PresetContext, credit: CreditAssignment, maxTokens: Int) -> TreeSettings? {
        let treePath = JSONPath.root.appending("tree")
        let node = root.node("tree")
        guard credit.partition.kind == .tree else {
            if let node {
                reading.report(
                    treePath,
                    expected: "no tree section (partition kind is \(quoted(credit.partition.kind.rawValue)))",
                    found: node, hint: "a sampling tree needs partition, value and advantage kinds for trees")
            }
            return nil
        }
        let presetTree = context.preset.tree
        guard node != nil || presetTree != nil else {
            reading.report(
                treePath, expected: "a tree section (partition kind tree takes its boundaries from a sampling tree)",
                found: nil, hint: "add \"tree\": {\"kind\": \"spo_tree\"} or {\"kind\": \"treepo\"}")
            return nil
        }
        if presetTree == nil, case .object(let members)? = node, !members.contains(where: { $0.key == "kind" }) {
            reading.report(
                treePath.appending("kind"), expected: "one of \"spo_tree\", \"treepo\"", found: nil,
                hint: "method \(context.method.rawValue) has no tree of its own")
            return nil
        }
        let section = root.kindedSection("tree", default: presetTree ?? .spoTree)
        let t = section.object
        let tree: TreeSettings
        switch section.kind {
        case .spoTree:
            let branching = t.integerArray("branching", IntegerRange(2), default: [6, 6, 6])
            let segmentTokens = t.integer("segment_tokens", .positive, default: 30)
            let levels = branching.count - 1
            if levels * segmentTokens >= maxTokens {
                let limit = levels == 0 ? maxTokens : (maxTokens - 1) / levels
                reading.report(
                    treePath.appending("segment_tokens"),
                    expected: "an integer from 1 to \(limit): the first \(levels) of \(branching.count) levels "
                        + "have segment_tokens tokens each, and the last level needs room within sampling.max_tokens (\(maxTokens))",
                    found: t.contains("segment_tokens") ? "\(segmentTokens)" : "\(segmentTokens) (the default)")
            }
            tree = .spoTree(SPOTreeSettings(branching: branching, segmentTokens: segmentTokens))
        case .treePO:
            let leafBudget = t.integer("leaf_budget", .positive, default: 16)
            let initialCopies = t.integer("initial_copies", .positive, default: 2)
            if initialCopies > leafBudget {
                reading.report(
                    treePath.appending("initial_copies"),
                    expected: "an integer from 1 to leaf_budget (\(leafBudget))", found: "\(initialCopies)")
            }
            let segmentTokens = t.integer("segment_tokens", .positive, default: 30)
            let defaultDepth = (maxTokens + segmentTokens - 1) / segmentTokens
            let repetitionObject = t.section("repetition")
            let repetition = RepetitionCheck(
                enabled: repetitionObject.bool("enabled", default: true),
                substringCharacters: repetitionObject.integer("substring_characters", .positive, default: 32),
                minOccurrences: repetitionObject.integer("min_occurrences", IntegerRange(2), default: 8))
            repetitionObject.finish(
                allowed: ["enabled", "substring_characters", "min_occurrences"], owner: "tree.repetition")
            tree = .treePO(
                TreePOSettings(
                    initialCopies: initialCopies, leafBudget: leafBudget,
                    maxDepth: t.integer("max_depth", .positive, default: defaultDepth),
                    segmentTokens: segmentTokens,
                    branchingMode: t.choice("branching_mode", default: .fixed),
                    logprobTemperature: t.number("logprob_temperature", .positive, default: 1),
                    repetition: repetition, fallback: t.bool("fallback", default: true)))
        }
        t.finish(kind: section.kind, keysByKind: Self.treeKeys, owner: "tree")
        return tree
    }
}
