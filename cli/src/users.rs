//! `activate-user` and `deactivate-user`: one login as an argument is the single action; several
//! logins, or logins read from stdin, are one call of the batch action
//! (`activate-users` / `deactivate-users`) printing one line per login.
//!
//! Logins on stdin are separated by whitespace, commas or newlines. A batch whose logins did
//! not all succeed prints every line first, then fails with exit code 6 (some succeeded) or 7
//! (none did).

use std::io::{self, IsTerminal, Read, Write};

use host_harness::{Connector, UserResult, UserStatusChange};

use crate::args::{ConnectionArgs, UserStatusArgs};
use crate::error::CliError;
use crate::output;
use crate::session::Session;

/// Which way a user's status changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    /// Inactive → Active.
    Activate,
    /// Active → Inactive.
    Deactivate,
}

impl UserAction {
    /// The subcommand's name.
    pub fn command(self) -> &'static str {
        match self {
            Self::Activate => "activate-user",
            Self::Deactivate => "deactivate-user",
        }
    }

    /// The batch action's name.
    pub fn batch_name(self) -> &'static str {
        match self {
            Self::Activate => "activate-users",
            Self::Deactivate => "deactivate-users",
        }
    }

    /// The status the action gives a user.
    pub fn target_status(self) -> &'static str {
        match self {
            Self::Activate => "Active",
            Self::Deactivate => "Inactive",
        }
    }
}

/// Where the logins came from.
#[derive(Debug, PartialEq, Eq)]
enum Logins {
    /// Exactly one login as an argument: the single action.
    One(String),
    /// Several arguments, or stdin: the batch action.
    Batch(Vec<String>),
}

/// Runs `activate-user` or `deactivate-user`.
pub async fn run(
    connector: &Connector,
    connection: &ConnectionArgs,
    args: &UserStatusArgs,
    action: UserAction,
) -> Result<(), CliError> {
    // The logins are read before the session opens: nothing is sent when they are missing.
    let logins = logins(args, action)?;
    let session = Session::open(connector, connection).await?;
    match logins {
        Logins::One(login) => {
            let change = single(&session, action, &login).await?;
            let mut out = io::stdout().lock();
            if connection.json {
                output::write_json_line(&mut out, &change)?;
            } else {
                output::write_status_change(&mut out, &change, action)?;
            }
            Ok(())
        }
        Logins::Batch(logins) => {
            let results = batch(&session, action, &logins).await?;
            let mut out = io::stdout().lock();
            if connection.json {
                output::write_user_result_lines(&mut out, &results)?;
            } else {
                output::write_user_results(&mut out, &results, action)?;
            }
            out.flush()?;
            batch_outcome(action, &results)
        }
    }
}

/// The single action.
async fn single(
    session: &Session,
    action: UserAction,
    login: &str,
) -> Result<UserStatusChange, CliError> {
    let connector = &session.connector;
    let change = match action {
        UserAction::Activate => connector.activate_user(&session.conn, login).await?,
        UserAction::Deactivate => connector.deactivate_user(&session.conn, login).await?,
    };
    Ok(change)
}

/// One call of the batch action.
async fn batch(
    session: &Session,
    action: UserAction,
    logins: &[String],
) -> Result<Vec<UserResult>, CliError> {
    let connector = &session.connector;
    let results = match action {
        UserAction::Activate => connector.activate_users(&session.conn, logins).await?,
        UserAction::Deactivate => connector.deactivate_users(&session.conn, logins).await?,
    };
    Ok(results)
}

/// Success when every login succeeded; otherwise the failure that gives exit code 6 or 7.
fn batch_outcome(action: UserAction, results: &[UserResult]) -> Result<(), CliError> {
    let failed = results
        .iter()
        .filter(|result| result.outcome.is_err())
        .count();
    if failed == 0 {
        return Ok(());
    }
    Err(CliError::LoginsFailed {
        action: action.batch_name(),
        failed,
        total: results.len(),
    })
}

/// The logins of the arguments, else of stdin (unless stdin is a terminal: nobody would type
/// them there without knowing it waits).
fn logins(args: &UserStatusArgs, action: UserAction) -> Result<Logins, CliError> {
    match args.logins.as_slice() {
        [login] => return Ok(Logins::One(login.clone())),
        [] => {}
        several => return Ok(Logins::Batch(several.to_vec())),
    }
    if io::stdin().is_terminal() {
        return Err(no_logins("no logins given", action));
    }
    let mut text = String::new();
    io::stdin().read_to_string(&mut text)?;
    let logins = from_text(&text);
    if logins.is_empty() {
        return Err(no_logins("no logins on stdin", action));
    }
    Ok(Logins::Batch(logins))
}

/// The logins in `text`, separated by whitespace, commas or newlines.
fn from_text(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|login| !login.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The error for a command without logins.
fn no_logins(message: &str, action: UserAction) -> CliError {
    let command = action.command();
    CliError::invalid(
        message,
        format!(
            "give one or more logins as arguments (`qualys-harness {command} LOGIN...`), or \
             pipe them, one per line or separated by spaces or commas"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_on_stdin_are_separated_by_whitespace_commas_or_newlines() {
        let logins = from_text("acme_a1, acme_b2\n\tacme_c3,,acme_d4\r\n\n");
        assert_eq!(logins, ["acme_a1", "acme_b2", "acme_c3", "acme_d4"]);
    }

    #[test]
    fn one_login_argument_is_the_single_action_and_several_are_a_batch() {
        let one = UserStatusArgs {
            logins: vec!["acme_a1".to_owned()],
        };
        assert_eq!(
            logins(&one, UserAction::Activate).unwrap(),
            Logins::One("acme_a1".to_owned())
        );
        let two = UserStatusArgs {
            logins: vec!["acme_a1".to_owned(), "acme_b2".to_owned()],
        };
        assert_eq!(
            logins(&two, UserAction::Deactivate).unwrap(),
            Logins::Batch(two.logins.clone())
        );
    }
}
