/// Why `litmath serve` could not start.
public enum ServeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another program listens on the port.
    case portInUse(UInt16)
    /// The port needs privileges (below 1024).
    case portNotPermitted(UInt16)
    /// Any other socket failure.
    case socket(String)
    /// The first build could not run at all (missing content folder, KaTeX, node, or an output
    /// folder litmath did not write): nothing to serve and nothing to watch.
    case setup(String)

    public var description: String {
        switch self {
        case let .portInUse(port):
            "port \(port) on 127.0.0.1 is already in use; stop the other server or choose another port with --port"
        case let .portNotPermitted(port):
            "not allowed to listen on port \(port) (ports below 1024 need privileges); choose another with --port"
        case let .socket(message):
            "cannot listen on 127.0.0.1: \(message)"
        case let .setup(message):
            message
        }
    }
}
