import Foundation
import SPOPipelineSpec
import SPOWire

/// The tapping side of a tap (`spo tap`): one SUB socket connected to every tap that
/// carries one side of an edge (`ResolvedPipelineSpec.taps(carrying:side:)`), subscribed
/// to `<edge>/<side>/`. It takes nothing from the pipeline: the processes publish copies.
/// ZeroMQ subscriptions take a moment to reach the publishers, so messages sent in the
/// first few milliseconds after `init` are not seen.
public final class TapListener {
    /// The edge tapped.
    public let edge: PipelineEdge
    /// The side tapped.
    public let side: TapSide
    /// The taps connected to.
    public let taps: [TapEndpoint]
    private let socket: ZMQSocket

    /// Connects to the taps of `side` of `edge` (by default `edge.defaultTapSide`).
    public init(spec: ResolvedPipelineSpec, edge: PipelineEdge, side: TapSide? = nil, context: ZMQContext) throws {
        self.edge = edge
        self.side = side ?? edge.defaultTapSide
        taps = spec.taps(carrying: edge, side: self.side)
        guard !taps.isEmpty else {
            let (verb, other) = self.side == .sent ? ("sends on", "received") : ("receives from", "sent")
            throw RuntimeError("no process of \(spec.name) \(verb) edge \(edge.rawValue); try --side \(other)")
        }
        socket = try ZMQSocket(context: context, type: .sub)
        try socket.setLinger(.zero)
        try socket.setMaxMessageSize(MessagePackLimits.default.socketMaxMessageSize)
        try socket.subscribe(TapEndpoint.tapPrefix(edge: edge, side: self.side))
        for tap in taps { try socket.connect(tap.connect) }
    }

    /// The next tapped message, or nil when `timeout` passes first: its topic
    /// (`<edge>/<side>/<process>`) and payload.
    public func next(timeout: Duration) throws -> (topic: String, payload: Data)? {
        try socket.withReceivedFrames(timeout: timeout, maxFrames: 4) { received in
            let frames = received.frames
            let topic = frames.count > 1 ? String(decoding: frames[0], as: UTF8.self) : ""
            return (topic, Data(frames[frames.count - 1]))
        }
    }

    /// The ipc taps no process listens on (the socket file is missing, or left behind by
    /// a process that exited), for the message when nothing arrives.
    public var silentIPCTaps: [String] {
        taps.compactMap { tap in
            guard tap.connect.hasPrefix("ipc://") else { return nil }
            let path = String(tap.connect.dropFirst("ipc://".count))
            return UnixSocketProbe.isListening(path) ? nil : path
        }
    }

    /// The resolved spec at `path`: a run directory (its `resolved-spec.json`), a
    /// resolved spec, or a pipeline spec (resolved here; its endpoints are the ones the
    /// run uses, so this works on any machine with the same checkout).
    public static func spec(at path: String) throws -> ResolvedPipelineSpec {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RuntimeError("\(path): no such run directory or spec file")
        }
        let url = isDirectory.boolValue
            ? URL(fileURLWithPath: path).appendingPathComponent("resolved-spec.json") : URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RuntimeError(
                "cannot read \(url.relativePath) (\(error.localizedDescription)); "
                    + "`spo run` writes resolved-spec.json when a run starts")
        }
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        if object?["edges"] != nil {
            do {
                return try ResolvedPipelineSpec(canonicalJSON: data)
            } catch {
                throw RuntimeError(
                    "\(url.relativePath) is not a resolved spec of this build (\(error)); pass the pipeline spec instead")
            }
        }
        do {
            return try PipelineSpec.resolve(json: data, sourceName: url.relativePath)
        } catch {
            throw RuntimeError(error.issues.map(\.description).joined(separator: "\n"))
        }
    }
}
