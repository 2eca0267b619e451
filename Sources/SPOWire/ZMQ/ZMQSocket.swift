import CZMQ
import Foundation

/// A ZeroMQ socket. Not thread-safe: create it on the thread that uses it.
///
/// The socket holds a strong reference to its context (closing a context while a socket
/// is open hangs), and closes itself on deinit. A new socket lingers at most
/// `ZMQSocket.defaultLinger` on close, so shutting down never hangs on a dead peer.
/// Sends and closes are not delivery: see `ReliableSender` and docs/protocol.md.
public final class ZMQSocket {
    /// The context this socket belongs to, kept alive as long as the socket.
    public let context: ZMQContext
    /// The socket pattern.
    public let type: ZMQSocketType
    /// The `void*` from `zmq_socket`.
    let handle: UnsafeMutableRawPointer
    /// Endpoints bound, as resolved by libzmq (wildcard tcp ports filled in).
    public private(set) var boundEndpoints: [String] = []
    /// Endpoints connected to.
    public private(set) var connectedEndpoints: [String] = []
    /// Frames received into by `withReceivedFrames`; reused, grown on demand.
    var receiveFrames: [ZMQFrame] = []
    /// The `ZMQ_RCVTIMEO` last set, in milliseconds (-1: block); cached so a receive loop
    /// with a fixed timeout does not call `zmq_setsockopt` every time.
    var receiveTimeoutMilliseconds: Int32 = -1

    /// How long a new socket keeps trying to deliver queued messages after it is closed.
    public static let defaultLinger: Duration = .seconds(2)

    /// A socket of `type` in `context`, with linger set to `defaultLinger`.
    public init(context: ZMQContext, type: ZMQSocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError.last("zmq_socket", "new \(type) socket")
        }
        self.context = context
        self.type = type
        self.handle = handle
        try setLinger(Self.defaultLinger)
    }

    deinit {
        zmq_close(handle)
    }

    /// "PULL socket bound to ipc:///x, connected to tcp://h:1" (for error messages).
    public var endpointDescription: String {
        var parts: [String] = []
        if !boundEndpoints.isEmpty { parts.append("bound to " + boundEndpoints.joined(separator: ", ")) }
        if !connectedEndpoints.isEmpty {
            parts.append("connected to " + connectedEndpoints.joined(separator: ", "))
        }
        return parts.isEmpty ? "\(type) socket" : "\(type) socket " + parts.joined(separator: ", ")
    }

    /// Binds to `endpoint` ("ipc:///path", "tcp://127.0.0.1:5555", "tcp://*:*", "inproc://name")
    /// and returns the endpoint as libzmq resolved it (a wildcard tcp port becomes a number).
    @discardableResult
    public func bind(_ endpoint: String) throws(ZMQError) -> String {
        guard zmq_bind(handle, endpoint) == 0 else {
            throw ZMQError.last("bind", "\(type) socket (\(endpoint))")
        }
        let resolved = (try? lastEndpoint()) ?? endpoint
        boundEndpoints.append(resolved)
        return resolved
    }

    /// Connects to `endpoint`; libzmq connects (and reconnects) in the background.
    public func connect(_ endpoint: String) throws(ZMQError) {
        guard zmq_connect(handle, endpoint) == 0 else {
            throw ZMQError.last("connect", "\(type) socket (\(endpoint))")
        }
        connectedEndpoints.append(endpoint)
    }

    /// Stops listening on `endpoint`, which must be spelled as `bind` returned it.
    public func unbind(_ endpoint: String) throws(ZMQError) {
        guard zmq_unbind(handle, endpoint) == 0 else {
            throw ZMQError.last("unbind", "\(type) socket (\(endpoint))")
        }
        boundEndpoints.removeAll { $0 == endpoint }
    }

    /// Drops the connection to `endpoint`.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        guard zmq_disconnect(handle, endpoint) == 0 else {
            throw ZMQError.last("disconnect", "\(type) socket (\(endpoint))")
        }
        connectedEndpoints.removeAll { $0 == endpoint }
    }

    /// `ZMQ_LAST_ENDPOINT`: the endpoint of the last bind, resolved.
    private func lastEndpoint() throws(ZMQError) -> String {
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else {
            throw ZMQError.last("getsockopt ZMQ_LAST_ENDPOINT", endpointDescription)
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
