import CZMQ
import Foundation

/// A libzmq context: the I/O threads and the registry of `inproc://` endpoints.
///
/// A context is thread-safe, so it is `Sendable`; sockets are not and stay on one thread.
/// Every `ZMQSocket` keeps its context alive, so `zmq_ctx_term`, which runs when the last
/// reference goes away, never waits on an open socket. It can still wait up to each
/// socket's linger period for queued outgoing messages.
public final class ZMQContext: @unchecked Sendable {
    /// The `void*` returned by `zmq_ctx_new`.
    let handle: UnsafeMutableRawPointer

    /// A context with `ioThreads` background I/O threads (libzmq's default is 1).
    public init(ioThreads: Int = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else {
            throw ZMQError.last("zmq_ctx_new", "new context")
        }
        self.handle = handle
        if zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(clamping: ioThreads)) != 0 {
            let error = ZMQError.last("zmq_ctx_set ZMQ_IO_THREADS=\(ioThreads)", "new context")
            zmq_ctx_term(handle)
            throw error
        }
    }

    deinit {
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    /// The linked libzmq's version, e.g. (4, 3, 4).
    public static var libraryVersion: (major: Int, minor: Int, patch: Int) {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (Int(major), Int(minor), Int(patch))
    }
}
