/// Which side of an edge a tap shows: the messages a process sent on it, or those it
/// received from it.
public enum TapSide: String, Codable, Sendable, CaseIterable {
    /// Messages the process sent on the edge (re-sends included).
    case sent
    /// Messages the process took from the edge (re-deliveries and rejected input included).
    case received
}

/// The tap socket of one process of a run (docs/protocol.md section 13): every stage
/// replica and the driver bind one ZeroMQ XPUB socket on which they publish a copy of each
/// message they send or receive on an edge, once somebody subscribes. `spo tap` connects
/// to the taps that carry an edge.
///
/// JSON (in the resolved spec's `taps` array):
/// `{"participant": "partition", "replica": 0, "host": "local", "bind": "ipc://…", "connect": "ipc://…"}`.
public struct TapEndpoint: Sendable, Equatable, Codable {
    /// The process's stage, or the driver.
    public var participant: EdgeParticipant
    /// The replica (0 for the driver).
    public var replica: Int
    /// The host the process runs on.
    public var host: String
    /// What the process binds: `ipc://…` or `tcp://*:port`.
    public var bind: String
    /// What a tapper connects to: the same `ipc://…`, or `tcp://address:port`.
    public var connect: String

    /// Creates the endpoint.
    public init(participant: EdgeParticipant, replica: Int, host: String, bind: String, connect: String) {
        self.participant = participant
        self.replica = replica
        self.host = host
        self.bind = bind
        self.connect = connect
    }

    /// `driver` or `<stage>.<replica>`: the process's name in logs and in tap topics.
    public var process: String { Self.processName(participant, replica: replica) }

    /// `driver` or `<stage>.<replica>`.
    public static func processName(_ participant: EdgeParticipant, replica: Int) -> String {
        switch participant {
        case .driver: return "driver"
        case .stage(let stage): return "\(stage.rawValue).\(replica)"
        }
    }

    /// Whether this process sends (`.sent`) or receives (`.received`) on `edge`, and so
    /// can publish that side of it.
    public func carries(_ edge: PipelineEdge, side: TapSide) -> Bool {
        (side == .sent ? edge.producers : edge.consumers).contains(participant)
    }

    /// The topic frame of a tapped message: `<edge>/<side>/<process>`, e.g.
    /// `rollouts/received/partition.0`. A tapper subscribes to the prefix
    /// `<edge>/<side>/` (`tapPrefix`).
    public static func topic(edge: PipelineEdge, side: TapSide, process: String) -> String {
        tapPrefix(edge: edge, side: side) + process
    }

    /// `<edge>/<side>/`: the subscription that gets one side of an edge from every tap.
    public static func tapPrefix(edge: PipelineEdge, side: TapSide) -> String {
        "\(edge.rawValue)/\(side.rawValue)/"
    }
}

extension PipelineEdge {
    /// The side a tap shows unless asked otherwise, so that each message appears once:
    /// where work queues are consumed (`received`: what each consumer took, after
    /// libzmq's load balancing) and where broadcasts are published (`sent`: each
    /// broadcast once, not once per subscriber).
    public var defaultTapSide: TapSide {
        switch pattern {
        case .pushPull: return .received
        case .publishSubscribe: return .sent
        }
    }
}

extension ResolvedPipelineSpec {
    /// The taps that publish `side` of `edge`: those of its producers (`sent`) or
    /// consumers (`received`), in the order of `taps`.
    public func taps(carrying edge: PipelineEdge, side: TapSide) -> [TapEndpoint] {
        taps.filter { $0.carries(edge, side: side) }
    }

    /// The tap of `participant`'s replica `replica`, if the spec has one.
    public func tap(of participant: EdgeParticipant, replica: Int) -> TapEndpoint? {
        taps.first { $0.participant == participant && $0.replica == replica }
    }
}
