import CZMQ

/// One initialised `zmq_msg_t` in heap memory.
///
/// Small messages are stored inside the `zmq_msg_t` itself, so it must never move: it
/// lives at a fixed heap address for its whole life. A receive into it releases what it
/// held before, so its bytes are valid only until the next receive into the same frame;
/// `detached()` moves the content into a new frame that keeps the bytes while it lives.
/// A frame may be released on any thread (closing a `zmq_msg_t` is thread-safe); it is
/// never written to after it is shared.
final class ZMQFrame: @unchecked Sendable {
    /// The message; initialised empty, closed on deinit.
    let pointer: UnsafeMutablePointer<zmq_msg_t>

    init() {
        pointer = .allocate(capacity: 1)
        zmq_msg_init(pointer)
    }

    deinit {
        zmq_msg_close(pointer)
        pointer.deallocate()
    }

    /// A new frame holding this frame's content (same bytes at the same address for any
    /// message too large to be stored inline); this frame is left empty.
    func detached() -> ZMQFrame {
        let owner = ZMQFrame()
        zmq_msg_move(owner.pointer, pointer)
        return owner
    }

    /// The bytes of the last message received into this frame.
    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: zmq_msg_data(pointer), count: zmq_msg_size(pointer))
    }
}
