import Foundation
import SPOPipelineSpec
import SPOWire

/// Opens the ZeroMQ socket of one side of a pipeline edge as the resolved spec places it
/// (docs/pipeline-spec.md, "Placement and endpoints"): the binder binds its replica's
/// endpoints, every other participant connects to all of them.
enum EdgeSockets {
    /// How long a send may wait for a mute socket (no peer yet, or full) before the
    /// message is queued and retried by the stage loop.
    static let sendTimeout: Duration = .milliseconds(100)

    /// A socket of `type` on `edge` for `participant` (replica `replica`); receiving
    /// sockets get the payload limit as `ZMQ_MAXMSGSIZE`, SUB sockets subscribe to
    /// `subscriptions`; `highWaterMark` (messages), when given, replaces libzmq's default
    /// 1000 on the side that sends or receives (set before binding or connecting).
    static func open(
        _ edge: PipelineEdge, type: ZMQSocketType, as participant: EdgeParticipant, replica: Int,
        spec: ResolvedPipelineSpec, context: ZMQContext, subscriptions: [String] = [], highWaterMark: Int? = nil
    ) throws -> ZMQSocket {
        let resolved = spec.edge(edge)
        let socket = try ZMQSocket(context: context, type: type)
        switch type {
        case .pull, .sub:
            try socket.setMaxMessageSize(MessagePackLimits.default.socketMaxMessageSize)
            if let highWaterMark { try socket.setReceiveHighWaterMark(highWaterMark) }
        default:
            try socket.setSendTimeout(sendTimeout)
            if let highWaterMark { try socket.setSendHighWaterMark(highWaterMark) }
        }
        for prefix in subscriptions { try socket.subscribe(prefix) }
        if resolved.binder == participant {
            let mine = resolved.endpoints.filter { $0.replica == replica }
            guard !mine.isEmpty else {
                throw RuntimeError("edge \(edge.rawValue) has no endpoint for \(participant) replica \(replica) in the resolved spec")
            }
            for endpoint in mine {
                try prepareIPCDirectory(endpoint.bind)
                try socket.bind(endpoint.bind)
            }
        } else {
            for endpoint in resolved.endpoints { try socket.connect(endpoint.connect) }
        }
        return socket
    }

    /// Creates the directory of an `ipc://` endpoint so that `bind` can create the socket file.
    static func prepareIPCDirectory(_ endpoint: String) throws {
        guard endpoint.hasPrefix("ipc://") else { return }
        let path = String(endpoint.dropFirst("ipc://".count))
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }
}

/// A runtime failure a person can act on: what went wrong, where, and what to do.
public struct RuntimeError: Error, CustomStringConvertible {
    /// The message.
    public let description: String

    /// An error with `description`.
    public init(_ description: String) { self.description = description }
}
