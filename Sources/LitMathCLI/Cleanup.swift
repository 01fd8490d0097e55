import Dispatch
import Foundation
import LitMath

/// What litmath does so that it leaves nothing behind however it ends: node and example
/// processes die with it (ChildProcess), and its private temporary folders go with it.
enum Cleanup {
    /// Kept alive for the whole run: a released source stops delivering its signal.
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// At the start of a command: removes the temporary folders of earlier litmath runs that
    /// were killed with SIGKILL (which no handler can catch).
    static func removeLeftovers() {
        PrivateTemporaryFolder.removeStale()
    }

    /// Ctrl-C and SIGTERM: kill the children's sessions, remove this run's temporary
    /// folders, and end with the signal's usual status (130 for Ctrl-C, 143 for SIGTERM).
    static func onInterruptCleanUpAndExit() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                cleanUp()
                exit(128 + signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Kills the children still running and removes this run's temporary folders.
    static func cleanUp() {
        ChildProcess.killRunning()
        PrivateTemporaryFolder.removeOwn()
    }
}
