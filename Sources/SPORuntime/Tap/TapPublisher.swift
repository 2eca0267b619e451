import Foundation
import SPOPipelineSpec
import SPOWire

/// A process's tap (docs/protocol.md section 13): one ZeroMQ XPUB socket, bound at the
/// process's `TapEndpoint`, on which the process publishes a copy of every message it
/// sends or receives on an edge, as two frames
///
///     [topic "<edge>/<side>/<process>", payload]
///
/// (`payload` is the message's MessagePack bytes as they travelled), for `spo tap`.
///
/// Tapping changes nothing for the pipeline: a work queue's messages are copied, never
/// taken, and a slow tapper loses tap messages (libzmq drops what exceeds the XPUB's
/// high-water mark), never blocks the process. When nobody listens it costs nothing but
/// a check: an XPUB socket receives its subscribers' subscriptions, `refresh` reads them
/// (one non-blocking receive per loop turn), and `publish` returns at once unless some
/// subscription matches the topic, so the copy and the send are skipped entirely.
/// Use on the thread that owns the process's other sockets.
public final class TapPublisher {
    /// Where the tap is bound.
    public let endpoint: TapEndpoint
    private let socket: ZMQSocket
    /// The subscription prefixes that have at least one subscriber.
    private var subscriptions: [[UInt8]] = []
    /// Topic bytes by edge and side, made on first use.
    private var topics: [String: [UInt8]] = [:]
    /// Tap messages that libzmq refused (never fatal; the tap is best effort).
    public private(set) var failedSends = 0

    /// Binds the tap of `participant`'s replica `replica` as `spec` places it.
    public init(spec: ResolvedPipelineSpec, participant: EdgeParticipant, replica: Int, context: ZMQContext) throws {
        guard let endpoint = spec.tap(of: participant, replica: replica) else {
            let process = TapEndpoint.processName(participant, replica: replica)
            throw RuntimeError("the resolved spec of \(spec.name) has no tap for \(process); resolve the spec with this build")
        }
        self.endpoint = endpoint
        socket = try ZMQSocket(context: context, type: .xpub)
        try socket.setLinger(.zero)
        try EdgeSockets.prepareIPCDirectory(endpoint.bind)
        try socket.bind(endpoint.bind)
    }

    /// Whether any tapper is subscribed to anything.
    public var isListenedTo: Bool { !subscriptions.isEmpty }

    /// Reads the (un)subscriptions that arrived: `[1, prefix…]` adds a prefix, `[0,
    /// prefix…]` removes it. libzmq passes on a prefix's first subscription and its last
    /// unsubscription (also when a subscriber disconnects), so the set is exact.
    public func refresh() {
        while let frame = try? socket.withReceivedFrames(timeout: .zero, maxFrames: 1, { Array($0.frames[0]) }) {
            guard let kind = frame.first else { continue }
            let prefix = Array(frame.dropFirst())
            switch kind {
            case 1: if !subscriptions.contains(prefix) { subscriptions.append(prefix) }
            case 0: subscriptions.removeAll { $0 == prefix }
            default: break
            }
        }
    }

    /// Whether somebody listens to `side` of `edge` here.
    public func wants(_ edge: PipelineEdge, side: TapSide) -> Bool {
        guard !subscriptions.isEmpty else { return false }
        let topic = self.topic(edge, side)
        return subscriptions.contains { topic.starts(with: $0) }
    }

    /// Publishes `payload` as sent or received on `edge`, if somebody listens.
    public func publish(_ edge: PipelineEdge, side: TapSide, payload: UnsafeRawBufferPointer) {
        guard wants(edge, side: side) else { return }
        do {
            try topic(edge, side).withUnsafeBytes { try socket.send($0, more: true) }
            try socket.send(payload)
        } catch {
            failedSends += 1
        }
    }

    /// Publishes the payload (last frame) of a message's `frames`.
    public func publish(_ edge: PipelineEdge, side: TapSide, frames: [Data]) {
        guard let payload = frames.last, wants(edge, side: side) else { return }
        payload.withUnsafeBytes { publish(edge, side: side, payload: $0) }
    }

    /// Publishes every payload `receiver` takes from `edge` (valid or not).
    public func tapReceived(_ receiver: MessageReceiver, on edge: PipelineEdge) {
        receiver.payloadObserver = { [weak self] payload in self?.publish(edge, side: .received, payload: payload) }
    }

    /// Publishes every message `sender` sends or re-sends on `edge`.
    public func tapSent(_ sender: ReliableSender, on edge: PipelineEdge) {
        sender.sendObserver = { [weak self] frames in self?.publish(edge, side: .sent, frames: frames) }
    }

    private func topic(_ edge: PipelineEdge, _ side: TapSide) -> [UInt8] {
        let key = TapEndpoint.tapPrefix(edge: edge, side: side)
        if let topic = topics[key] { return topic }
        let topic = Array(TapEndpoint.topic(edge: edge, side: side, process: endpoint.process).utf8)
        topics[key] = topic
        return topic
    }
}
