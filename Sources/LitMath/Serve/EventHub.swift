import Foundation

/// One server-sent event: a name and its data (which may span lines).
public struct ServerSentEvent: Sendable, Equatable {
    /// The event's name (`reload`, `failed`).
    public var name: String
    /// The event's data.
    public var data: String
    /// The event's id: the state it announces, sent back by the browser on reconnection.
    public var id: String

    /// Creates an event.
    public init(name: String, data: String, id: String) {
        self.name = name
        self.data = data
        self.id = id
    }

    /// The event in the `text/event-stream` format; every line of the data gets its own field.
    public var encoded: String {
        var out = "id: \(id)\nevent: \(name)\n"
        var data = Substring(data)
        while data.hasSuffix("\n") { data = data.dropLast() }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            out += "data: " + line.replacingOccurrences(of: "\r", with: "") + "\n"
        }
        return out + "\n"
    }
}

/// Tells every open event stream about the latest build.
///
/// Only the latest state matters to a page (reload, or show this error), so the hub keeps just
/// that and a state id; a stream whose page was served at an older state id gets the latest
/// event at once, so an edit that lands between serving a page and its stream connecting is not
/// missed.
public final class EventHub: @unchecked Sendable {
    private let condition = NSCondition()
    private var latest: ServerSentEvent?
    private var isClosed = false

    /// Creates an empty hub.
    public init() {}

    /// The id of the current state, written into served pages.
    public var stateID: String {
        condition.lock()
        defer { condition.unlock() }
        return latest?.id ?? ""
    }

    /// Makes `event` the latest and wakes every stream.
    public func publish(_ event: ServerSentEvent) {
        condition.lock()
        latest = event
        condition.broadcast()
        condition.unlock()
    }

    /// Ends every stream (the server is stopping).
    public func close() {
        condition.lock()
        isClosed = true
        condition.broadcast()
        condition.unlock()
    }

    /// What a stream that has seen state `seen` should do next, waiting at most until `deadline`.
    public enum Next: Sendable, Equatable {
        /// Send this event.
        case send(ServerSentEvent)
        /// Nothing new before the deadline.
        case idle
        /// The hub is closed.
        case closed
    }

    /// Waits until the latest state differs from `seen`, the hub closes, or `deadline` passes.
    public func next(after seen: String?, until deadline: Date) -> Next {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if isClosed { return .closed }
            if let latest, latest.id != seen { return .send(latest) }
            if !condition.wait(until: deadline) { return isClosed ? .closed : .idle }
        }
    }
}
