/// Reads a spec's top-level object section by section, filling defaults from the
/// method's preset and each kind's own defaults, and checks the sections against each
/// other. Every problem goes to the `SpecReading`; `resolve` returns nil only when a
/// required value is missing (the caller discards the result whenever there are issues).
struct SpecResolver {
    let root: ObjectReader
    var reading: SpecReading { root.reading }

    func resolve() -> ResolvedPipelineSpec? {
        let method = readMethod()
        let context = PresetContext(method: method ?? .spoChain, named: method != nil)
        let name = readName()
        let notes = readNotes()
        let seed = root.integer("seed", .nonNegative, default: 1)
        let runDirectory = root.string("run_directory", what: "a directory path", default: "runs/\(name ?? "run")")
        let model = readModel(seed: seed)
        let tokenizer = root.requiredString("tokenizer", what: "the path of a tokenizer file")
        let task = readTask()
        let iterations = root.requiredInteger("iterations", .positive)
        let credit = readCreditAssignment(context)
        let sampling = readSampling(context, credit: credit)
        let treeSettings = readTree(context, credit: credit, maxTokens: sampling.maxTokens)
        let optimize = readOptimize(context, credit: credit, sampling: sampling)
        let evaluation = readEvaluation()
        let placement = readPlacement(runDirectory: runDirectory)
        root.finish(allowed: PipelineSpec.topLevelKeys, owner: "the top level") { key in
            key == "edges"
                ? "edges are computed from stages and hosts; override an endpoint in the binding stage's \"endpoints\""
                : nil
        }
        guard let method, let name, let model, let tokenizer, let task, let iterations else { return nil }
        return ResolvedPipelineSpec(
            name: name, notes: notes, method: method, seed: UInt64(seed), runDirectory: runDirectory,
            model: model, tokenizer: tokenizer, task: task, iterations: iterations,
            sampling: sampling, partition: credit.partition, value: credit.value, tree: treeSettings,
            advantage: credit.advantage, optimize: optimize, evaluation: evaluation,
            weightsTransport: placement.weightsTransport, basePort: placement.basePort,
            hosts: placement.hosts, driver: placement.driver, stages: placement.stages, edges: placement.edges,
            taps: placement.taps)
    }

    private func readMethod() -> PipelineMethod? {
        guard let node = root.node("method") else {
            let names = PipelineMethod.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
            reading.report(.root.appending("method"), expected: "one of \(names)", found: nil,
                           hint: "the method chooses the defaults of every other section")
            return nil
        }
        return reading.choice(node, at: .root.appending("method"), as: PipelineMethod.self)
    }

    private func readName() -> String? {
        let what = "a name of letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)"
        guard let name = root.requiredString("name", what: what) else { return nil }
        let allowed = name.unicodeScalars.enumerated().allSatisfy { offset, scalar in
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                    || (offset > 0 && (scalar == "." || scalar == "_" || scalar == "-")))
        }
        guard allowed, name.count <= 64 else {
            reading.report(.root.appending("name"), expected: what, found: "\(quoted(name)) (a string)")
            return nil
        }
        return name
    }

    /// `notes`: a string or an array of strings, kept as lines.
    private func readNotes() -> [String] {
        guard let node = root.node("notes") else { return [] }
        let expected = "a string or an array of strings"
        switch node {
        case .string(let text):
            return [text]
        case .array(let elements):
            var lines: [String] = []
            for (index, element) in elements.enumerated() {
                guard case .string(let text) = element else {
                    reading.report(.root.appending("notes").appending(index: index), expected: "a string", found: element)
                    continue
                }
                lines.append(text)
            }
            return lines
        default:
            reading.report(.root.appending("notes"), expected: expected, found: node)
            return []
        }
    }

    /// `model`: `{"checkpoint": path}` or `{"config": path, "init_seed": n}` (default:
    /// the spec's seed).
    private func readModel(seed: Int) -> ModelSource? {
        let expected = "an object with \"checkpoint\" (a checkpoint directory) or \"config\" (a model config file)"
        guard let node = root.node("model") else {
            reading.report(.root.appending("model"), expected: expected, found: nil)
            return nil
        }
        guard let model = ObjectReader(node, at: .root.appending("model"), reading: reading, expected: expected) else {
            return nil
        }
        switch (model.contains("checkpoint"), model.contains("config")) {
        case (true, true):
            reading.report(model.path, expected: "one of \"checkpoint\" and \"config\"", found: "both",
                           hint: "a checkpoint already has its config; keep one")
            return nil
        case (false, false):
            reading.report(model.path, expected: expected, found: "neither")
            return nil
        case (true, false):
            let path = model.requiredString("checkpoint", what: "the path of a checkpoint directory")
            model.finish(allowed: ["checkpoint"], owner: "model with a checkpoint") { key in
                key == "init_seed" ? "init_seed goes with \"config\" (a checkpoint has its weights)" : nil
            }
            return path.map { .checkpoint(path: $0) }
        case (false, true):
            let path = model.requiredString("config", what: "the path of a model config file")
            let initSeed = model.integer("init_seed", .nonNegative, default: seed)
            model.finish(allowed: ["config", "init_seed"], owner: "model with a config")
            return path.map { .config(path: $0, initSeed: UInt64(initSeed)) }
        }
    }

    /// `task`: passed through, checked only for its `kind` and that kind's required keys.
    private func readTask() -> JSONValue? {
        let kinds = TaskKind.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
        let expected = "an object with \"kind\" (\(kinds)) and its files"
        guard let node = root.node("task") else {
            reading.report(.root.appending("task"), expected: expected, found: nil)
            return nil
        }
        guard let task = ObjectReader(node, at: .root.appending("task"), reading: reading, expected: expected) else {
            return nil
        }
        guard let kindNode = task.node("kind") else {
            reading.report(task.path.appending("kind"), expected: "one of \(kinds)", found: nil)
            return nil
        }
        guard let kind = reading.choice(kindNode, at: task.path.appending("kind"), as: TaskKind.self) else { return nil }
        let paths = kind.requiredKeys.map { task.requiredString($0, what: "the path of \(kind.describe($0))") }
        task.finish(allowed: task.members.map(\.key), owner: "task")
        return paths.contains(nil) ? nil : node.value
    }
}

/// The method whose preset fills the defaults, and whether the spec named it (a spec
/// with a bad or missing method is read with SPO-chain's preset so that its other
/// errors are found too).
struct PresetContext {
    let method: PipelineMethod
    let named: Bool

    var preset: MethodPreset { method.preset }

    /// How `found` names a value the spec did not write: `64 (the default of method spo-chain)`.
    func defaulted(_ value: String) -> String {
        named ? "\(value) (the default of method \(method.rawValue))" : "\(value) (a default)"
    }
}

/// The task kinds and the keys each requires (the tasks module reads the rest).
enum TaskKind: String, CaseIterable, SpecChoice {
    case arithmetic
    case gsm8kJSONL = "gsm8k_jsonl"
    case mathJSONL = "math_jsonl"

    var requiredKeys: [String] {
        switch self {
        case .arithmetic: return ["config"]
        case .gsm8kJSONL, .mathJSONL: return ["train", "test"]
        }
    }

    func describe(_ key: String) -> String {
        switch key {
        case "config": return "the task's config file"
        case "train": return "the training split (JSON lines)"
        default: return "the test split (JSON lines)"
        }
    }
}
