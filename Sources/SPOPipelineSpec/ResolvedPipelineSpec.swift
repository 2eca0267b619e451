import Foundation

/// A pipeline spec with every default filled in and every endpoint assigned: what the
/// stages read, what `spo run SPEC --print-resolved` prints and what a run directory
/// stores (`canonicalJSON()`). Keys that do not apply to the method are absent (`tree`
/// outside the tree methods, `optimize.value_loss` outside PPO, `optimize.replay`
/// outside SPO-tree's advantage, `sampling.samples_per_prompt` for tree sampling,
/// `evaluation.questions` when every test question is used). `taps` has every process's
/// tap endpoint (docs/protocol.md section 13).
///
/// Paths (`run_directory`, `model`, `tokenizer`, the task's files) are kept as written:
/// relative paths are relative to the working directory of `spo` and of every stage it
/// starts (the repository root in every example), so that one resolved spec serves
/// every host of a multi-host run.
public struct ResolvedPipelineSpec: Sendable, Equatable, Codable {
    /// The pipeline's name: letters, digits, `.`, `_`, `-`.
    public var name: String
    /// Free text about the spec (how it was scaled from the reference, …).
    public var notes: [String]
    /// The training method whose preset filled the defaults.
    public var method: PipelineMethod
    /// The one seed every random stream derives from (per stage, replica, request).
    public var seed: UInt64
    /// Where the run's spec, logs, metrics, checkpoints and sockets live.
    public var runDirectory: String
    /// The initial policy.
    public var model: ModelSource
    /// The tokenizer file.
    public var tokenizer: String
    /// The task (dataset, prompt template, reward), passed through as written.
    public var task: JSONValue
    /// Training iterations (each: sample, value, advantage, optimize).
    public var iterations: Int
    /// Trajectory sampling.
    public var sampling: SamplingSettings
    /// Segment partition.
    public var partition: PartitionSettings
    /// Boundary values.
    public var value: ValueSettings
    /// The sampling tree (tree methods only).
    public var tree: TreeSettings?
    /// Advantages.
    public var advantage: AdvantageSettings
    /// Policy optimisation.
    public var optimize: OptimizeSettings
    /// Test-split evaluation.
    public var evaluation: EvaluationSettings
    /// How weights reach the generate and value stages.
    public var weightsTransport: WeightsTransport
    /// The first TCP port assigned to endpoints.
    public var basePort: Int
    /// The hosts the run uses (`local` is 127.0.0.1 unless redefined).
    public var hosts: [String: HostSettings]
    /// Where the driver runs.
    public var driver: DriverSettings
    /// Every stage's placement; all five are present.
    public var stages: [PipelineStage: StageSettings]
    /// Every edge's endpoints; all eight are present.
    public var edges: [PipelineEdge: ResolvedEdge]
    /// One tap endpoint per process: the driver, then every stage's replicas in stage order.
    public var taps: [TapEndpoint]

    /// Creates a resolved spec from its parts (normally `PipelineSpec.resolve` does).
    public init(
        name: String, notes: [String], method: PipelineMethod, seed: UInt64, runDirectory: String,
        model: ModelSource, tokenizer: String, task: JSONValue, iterations: Int,
        sampling: SamplingSettings, partition: PartitionSettings, value: ValueSettings,
        tree: TreeSettings?, advantage: AdvantageSettings, optimize: OptimizeSettings,
        evaluation: EvaluationSettings, weightsTransport: WeightsTransport, basePort: Int,
        hosts: [String: HostSettings], driver: DriverSettings,
        stages: [PipelineStage: StageSettings], edges: [PipelineEdge: ResolvedEdge], taps: [TapEndpoint] = []
    ) {
        self.name = name
        self.notes = notes
        self.method = method
        self.seed = seed
        self.runDirectory = runDirectory
        self.model = model
        self.tokenizer = tokenizer
        self.task = task
        self.iterations = iterations
        self.sampling = sampling
        self.partition = partition
        self.value = value
        self.tree = tree
        self.advantage = advantage
        self.optimize = optimize
        self.evaluation = evaluation
        self.weightsTransport = weightsTransport
        self.basePort = basePort
        self.hosts = hosts
        self.driver = driver
        self.stages = stages
        self.edges = edges
        self.taps = taps
    }

    enum CodingKeys: String, CodingKey {
        case name, notes, method, seed
        case runDirectory = "run_directory"
        case model, tokenizer, task, iterations, sampling, partition, value, tree, advantage
        case optimize, evaluation
        case weightsTransport = "weights_transport"
        case basePort = "base_port"
        case hosts, driver, stages, edges, taps
    }

    /// The placement of `stage` (a resolved spec has all five).
    public func settings(for stage: PipelineStage) -> StageSettings {
        guard let settings = stages[stage] else {
            preconditionFailure("resolved spec \(name) has no stage \(stage.rawValue)")
        }
        return settings
    }

    /// The endpoints of `edge` (a resolved spec has all eight).
    public func edge(_ edge: PipelineEdge) -> ResolvedEdge {
        guard let resolved = edges[edge] else {
            preconditionFailure("resolved spec \(name) has no edge \(edge.rawValue)")
        }
        return resolved
    }

    /// The canonical encoding: pretty-printed JSON with sorted keys, unescaped slashes
    /// and a final newline. The same spec always gives the same bytes.
    public func canonicalJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    /// Decodes a canonical encoding (e.g. a run directory's resolved spec); throws
    /// `DecodingError.dataCorrupted` when a stage or an edge is missing.
    public init(canonicalJSON data: Data) throws {
        self = try JSONDecoder().decode(Self.self, from: data)
        let missing = PipelineStage.allCases.filter { stages[$0] == nil }.map(\.rawValue)
            + PipelineEdge.allCases.filter { edges[$0] == nil }.map(\.rawValue)
        guard missing.isEmpty else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: [],
                    debugDescription: "resolved spec \(name) lacks " + missing.joined(separator: ", ")))
        }
    }
}
