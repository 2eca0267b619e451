import CZMQ
import Foundation

/// A failed libzmq call: which operation, on which socket or endpoint, and libzmq's errno.
///
/// The description reads "zmq bind failed on PUSH socket (ipc:///tmp/run/rollouts):
/// Address already in use (errno 98)", so a person knows what to change.
public struct ZMQError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The libzmq call or option, e.g. "bind", "zmq_msg_recv", "setsockopt ZMQ_SNDHWM".
    public let operation: String
    /// The endpoint or socket the call was about, e.g. "PULL socket bound to ipc:///tmp/x".
    public let endpoint: String
    /// The errno libzmq reported (`zmq_errno()`).
    public let code: Int32

    /// Memberwise initialiser.
    public init(operation: String, endpoint: String, code: Int32) {
        self.operation = operation
        self.endpoint = endpoint
        self.code = code
    }

    /// libzmq's text for `code` (`zmq_strerror`).
    public var message: String { String(cString: zmq_strerror(code)) }

    /// True when a send timed out (`EAGAIN` under `ZMQ_SNDTIMEO` or a non-blocking send).
    public var isTimeout: Bool { code == EAGAIN }

    /// "zmq <operation> failed on <endpoint>: <message> (errno <code>)".
    public var description: String {
        "zmq \(operation) failed on \(endpoint): \(message) (errno \(code))"
    }

    /// The error for the call that just failed, reading `zmq_errno()`.
    static func last(_ operation: String, _ endpoint: String) -> ZMQError {
        ZMQError(operation: operation, endpoint: endpoint, code: zmq_errno())
    }
}
