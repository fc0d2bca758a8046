use server::config::Config;
use std::process::ExitCode;

// Page rendering allocates many small strings; mimalloc serves them several
// times faster than the system allocator (see bench/landing.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What the command line asks for.
enum Command {
    Serve,
    /// `server backup <file>`: a copy of the embedded database.
    Backup(std::path::PathBuf),
    Help,
}

const USAGE: &str = "usage: server              serve the storefront\n       server backup <file>  copy the embedded SQLite database into a new file (safe while serving)";

fn command() -> Result<Command, String> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    match args.as_slice() {
        [] => Ok(Command::Serve),
        [verb, file] if verb == "backup" => Ok(Command::Backup(file.into())),
        [flag] if flag == "--help" || flag == "-h" => Ok(Command::Help),
        _ => Err(format!("error: unknown arguments\n{USAGE}")),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let command = match command() {
        Ok(command) => command,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    if let Command::Help = command {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    // An optional .env file; real environment variables win over it.
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("error: .env: {err}");
        return ExitCode::from(2);
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    if let Command::Backup(target) = command {
        return match server::db::backup(&config.database, &target).await {
            Ok(bytes) => {
                println!(
                    "backed up to {} ({bytes} bytes, integrity ok)",
                    target.display()
                );
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        };
    }
    server::telemetry::init(&config.server.log_format);
    match server::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
