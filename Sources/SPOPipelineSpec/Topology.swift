/// The five stage executables of a pipeline, in data-flow order.
public enum PipelineStage: String, Codable, Sendable, CaseIterable, CodingKeyRepresentable {
    /// `spo-generate`: samples responses (or trees) and scores them.
    case generate
    /// `spo-partition`: cuts responses into segments.
    case partition
    /// `spo-value`: estimates values at segment boundaries.
    case value
    /// `spo-advantage`: turns values and rewards into per-token advantages.
    case advantage
    /// `spo-optimize`: updates the policy and publishes its weights.
    case optimize
}

/// A process at one end of an edge: a stage, or the driver (the `spo run` process on
/// the driver host, which feeds prompts, publishes control and collects metrics).
/// JSON: the stage name or `"driver"`.
public enum EdgeParticipant: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The `spo run` process that drives the run.
    case driver
    /// One of the stages (all of its replicas).
    case stage(PipelineStage)

    /// `driver` or the stage name.
    public var description: String {
        switch self {
        case .driver: return "driver"
        case .stage(let stage): return stage.rawValue
        }
    }

    /// Decodes `"driver"` or a stage name.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        if name == "driver" {
            self = .driver
        } else if let stage = PipelineStage(rawValue: name) {
            self = .stage(stage)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "unknown edge participant \"\(name)\"; expected driver or a stage name")
        }
    }

    /// Encodes `"driver"` or the stage name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The ZeroMQ socket pattern of an edge.
public enum MessagingPattern: String, Codable, Sendable {
    /// A work queue: each message goes to one consumer (PUSH → PULL).
    case pushPull = "push_pull"
    /// A broadcast: every subscriber gets every message (PUB → SUB).
    case publishSubscribe = "pub_sub"
}

/// The transport of an edge's endpoints.
public enum EdgeTransport: String, Codable, Sendable {
    /// A Unix-domain socket; only processes on one host.
    case ipc
    /// TCP; across hosts.
    case tcp
}

/// The queues and broadcasts between the processes of a pipeline. Each edge is bound by
/// one side (`binder`: the stable side) and connected to by the other; a binder with
/// several replicas binds one endpoint per replica and the other side connects to all.
///
/// | edge | pattern | producers → consumers | binder |
/// |---|---|---|---|
/// | prompts | push_pull | driver → generate | driver |
/// | rollouts | push_pull | generate → partition | partition |
/// | segmented | push_pull | partition → value | partition |
/// | valued | push_pull | value → advantage | advantage |
/// | samples | push_pull | advantage → optimize | optimize |
/// | weights | pub_sub | optimize → generate, value | optimize |
/// | control | pub_sub | driver → every stage | driver |
/// | metrics | push_pull | every stage → driver | driver |
///
/// Generate and value, the stages worth replicating, bind nothing.
public enum PipelineEdge: String, Codable, Sendable, CaseIterable, CodingKeyRepresentable {
    /// Prompt batches for generation.
    case prompts
    /// Scored responses (or trees).
    case rollouts
    /// Responses with segment boundaries and masks.
    case segmented
    /// Segmented responses with boundary values.
    case valued
    /// Training samples with per-token advantages.
    case samples
    /// Policy weights or their announcements, versioned.
    case weights
    /// Start, stop, iteration and heartbeat messages.
    case control
    /// Metrics of every stage.
    case metrics

    /// The edge's socket pattern.
    public var pattern: MessagingPattern {
        switch self {
        case .weights, .control: return .publishSubscribe
        default: return .pushPull
        }
    }

    /// Who sends on the edge.
    public var producers: [EdgeParticipant] {
        switch self {
        case .prompts, .control: return [.driver]
        case .rollouts: return [.stage(.generate)]
        case .segmented: return [.stage(.partition)]
        case .valued: return [.stage(.value)]
        case .samples: return [.stage(.advantage)]
        case .weights: return [.stage(.optimize)]
        case .metrics: return PipelineStage.allCases.map { .stage($0) }
        }
    }

    /// Who receives on the edge.
    public var consumers: [EdgeParticipant] {
        switch self {
        case .prompts: return [.stage(.generate)]
        case .rollouts: return [.stage(.partition)]
        case .segmented: return [.stage(.value)]
        case .valued: return [.stage(.advantage)]
        case .samples: return [.stage(.optimize)]
        case .weights: return [.stage(.generate), .stage(.value)]
        case .control: return PipelineStage.allCases.map { .stage($0) }
        case .metrics: return [.driver]
        }
    }

    /// The side that binds the edge's endpoints.
    public var binder: EdgeParticipant {
        switch self {
        case .prompts, .control, .metrics: return .driver
        case .rollouts, .segmented: return .stage(.partition)
        case .valued: return .stage(.advantage)
        case .samples, .weights: return .stage(.optimize)
        }
    }
}

extension PipelineEdge: SpecChoice {}

/// Where and how often one stage runs.
public struct StageSettings: Sendable, Equatable, Codable {
    /// Processes of this stage (1). The optimize stage has exactly one.
    public var replicas: Int
    /// The host it runs on: a key of `hosts` (`local` by default).
    public var host: String
    /// OpenBLAS threads per replica (1).
    public var blasThreads: Int
    /// Restarts of a dying replica before the run fails (3).
    public var maxRestarts: Int
    /// The program and arguments to run instead of `spo-<stage>` (e.g. a stage written in
    /// Python); the driver appends `--spec RESOLVED --replica N`. nil: `spo-<stage>`.
    public var command: [String]?

    /// Creates the settings; `spo validate` checks the ranges.
    public init(replicas: Int, host: String, blasThreads: Int, maxRestarts: Int, command: [String]? = nil) {
        self.replicas = replicas
        self.host = host
        self.blasThreads = blasThreads
        self.maxRestarts = maxRestarts
        self.command = command
    }

    enum CodingKeys: String, CodingKey {
        case replicas, host, command
        case blasThreads = "blas_threads"
        case maxRestarts = "max_restarts"
    }
}

/// A machine of a multi-host run.
public struct HostSettings: Sendable, Equatable, Codable {
    /// The name or IP address other hosts reach it at (IPv6 in brackets: `[fd00::2]`).
    public var address: String

    /// Creates the host.
    public init(address: String) {
        self.address = address
    }
}

/// Where the driver runs.
public struct DriverSettings: Sendable, Equatable, Codable {
    /// A key of `hosts`; by default the optimize stage's host.
    public var host: String

    /// Creates the settings.
    public init(host: String) {
        self.host = host
    }
}

/// One bound socket of an edge: the binder replica that binds it, where, and the
/// strings to pass to `zmq_bind` and `zmq_connect`.
public struct EdgeEndpoint: Sendable, Equatable, Codable {
    /// The binder's replica index (0 for the driver).
    public var replica: Int
    /// The host the binder runs on.
    public var host: String
    /// What the binder binds: `ipc://…` or `tcp://*:port`.
    public var bind: String
    /// What the other side connects to: the same `ipc://…`, or `tcp://address:port`.
    public var connect: String

    /// Creates the endpoint.
    public init(replica: Int, host: String, bind: String, connect: String) {
        self.replica = replica
        self.host = host
        self.bind = bind
        self.connect = connect
    }
}

/// An edge with everything a process needs to open its socket: the pattern, who is on
/// each side, and the endpoints (one per binder replica; the other side connects to
/// all of them).
public struct ResolvedEdge: Sendable, Equatable, Codable {
    /// PUSH/PULL or PUB/SUB.
    public var pattern: MessagingPattern
    /// Who sends.
    public var producers: [EdgeParticipant]
    /// Who receives.
    public var consumers: [EdgeParticipant]
    /// Who binds.
    public var binder: EdgeParticipant
    /// `ipc` when every participant runs on one host, `tcp` otherwise (or as overridden).
    public var transport: EdgeTransport
    /// One per binder replica, in replica order.
    public var endpoints: [EdgeEndpoint]

    /// Creates the edge.
    public init(
        pattern: MessagingPattern, producers: [EdgeParticipant], consumers: [EdgeParticipant],
        binder: EdgeParticipant, transport: EdgeTransport, endpoints: [EdgeEndpoint]
    ) {
        self.pattern = pattern
        self.producers = producers
        self.consumers = consumers
        self.binder = binder
        self.transport = transport
        self.endpoints = endpoints
    }
}
