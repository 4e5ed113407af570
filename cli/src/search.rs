//! `search-agents`: one call, or with `--all` page after page until no cursor is left.
//!
//! With `--json` each agent is written as one JSON line as soon as its page arrives, so a pipe
//! downstream starts working before the search ends. The table waits for the last page (its
//! columns fit the widest cell). With `--all`, stderr shows the progress (agents fetched, pages)
//! on one line that is rewritten in place when stderr is a terminal; otherwise it gets one
//! summary line at the end.

use std::io::{self, BufWriter, IsTerminal, Write};

use host_harness::{Agent, AgentPage, AgentQuery, Connector};

use crate::args::{ConnectionArgs, SearchAgentsArgs};
use crate::error::CliError;
use crate::output;
use crate::session::Session;

/// Runs `search-agents`.
pub async fn run(
    connector: &Connector,
    connection: &ConnectionArgs,
    args: &SearchAgentsArgs,
) -> Result<(), CliError> {
    let session = Session::open(connector, connection).await?;
    let mut out = BufWriter::new(io::stdout().lock());
    let mut printer = if connection.json {
        Printer::JsonLines
    } else {
        Printer::Table(Vec::new())
    };
    let mut progress = Progress::new(args.all);
    let result = read_pages(&session, args, &mut printer, &mut out, &mut progress).await;
    out.flush()?;
    let next_cursor = result?;
    progress.finish();
    printer.finish(&mut out, next_cursor.as_deref())?;
    out.flush()?;
    Ok(())
}

/// Calls the action once, or with `--all` until no cursor is left, handing each page to
/// `printer`; returns the cursor of the next page when more agents match.
async fn read_pages(
    session: &Session,
    args: &SearchAgentsArgs,
    printer: &mut Printer,
    out: &mut impl Write,
    progress: &mut Progress,
) -> Result<Option<String>, CliError> {
    let mut query = args.query();
    loop {
        let page = match session.connector.search_agents(&session.conn, &query).await {
            Ok(page) => page,
            Err(error) => {
                progress.interrupted(query.cursor.as_deref());
                return Err(error.into());
            }
        };
        let AgentPage {
            agents,
            next_cursor,
        } = page;
        progress.add_page(agents.len());
        printer.page(out, agents)?;
        match next_query(&query, next_cursor, args.all) {
            Next::Query(next) => query = next,
            Next::Done(cursor) => return Ok(cursor),
        }
    }
}

/// Where the agents go.
enum Printer {
    /// One JSON line per agent, written as each page arrives.
    JsonLines,
    /// One table at the end: the rows so far.
    Table(Vec<Agent>),
}

impl Printer {
    /// Takes one page.
    fn page(&mut self, out: &mut impl Write, agents: Vec<Agent>) -> io::Result<()> {
        match self {
            Self::JsonLines => {
                output::write_agent_lines(out, &agents)?;
                out.flush()
            }
            Self::Table(rows) => {
                rows.extend(agents);
                Ok(())
            }
        }
    }

    /// Ends the output: the table and the next cursor, or for JSON the next cursor on stderr
    /// (stdout holds only agents, so that every line of it is one).
    fn finish(self, out: &mut impl Write, next_cursor: Option<&str>) -> io::Result<()> {
        match self {
            Self::Table(rows) => output::write_agent_table(out, &rows, next_cursor),
            Self::JsonLines => {
                if let Some(cursor) = next_cursor {
                    eprintln!(
                        "next cursor: {cursor} (more agents match: add --cursor {cursor}, or use --all)"
                    );
                }
                Ok(())
            }
        }
    }
}

/// What follows a page.
enum Next {
    /// Another call, with this query.
    Query(AgentQuery),
    /// No more calls; the cursor to print, when more agents match.
    Done(Option<String>),
}

/// The next call after a page that ended with `next_cursor`: only with `--all` and while the
/// component gives a cursor.
fn next_query(query: &AgentQuery, next_cursor: Option<String>, follow_cursors: bool) -> Next {
    match next_cursor {
        Some(cursor) if follow_cursors => Next::Query(AgentQuery {
            cursor: Some(cursor),
            ..query.clone()
        }),
        cursor => Next::Done(cursor),
    }
}

/// The progress of `--all` on stderr.
struct Progress {
    enabled: bool,
    live: bool,
    agents: usize,
    pages: usize,
}

impl Progress {
    /// Progress for a search that follows cursors (`enabled`), live when stderr is a terminal.
    fn new(enabled: bool) -> Self {
        Self {
            enabled,
            live: enabled && io::stderr().is_terminal(),
            agents: 0,
            pages: 0,
        }
    }

    /// Counts one more page; rewrites the live line.
    fn add_page(&mut self, agents: usize) {
        self.agents += agents;
        self.pages += 1;
        if self.live {
            eprint!("\r\x1b[Ksearch-agents: {}...", self.counts());
        }
    }

    /// Ends the live line, or writes the summary line.
    fn finish(&self) {
        if self.live {
            eprintln!("\r\x1b[Ksearch-agents: {}, done", self.counts());
        } else if self.enabled {
            eprintln!("search-agents: {}", self.counts());
        }
    }

    /// Says how far the search got before a failure, and how to resume it.
    fn interrupted(&self, resume_cursor: Option<&str>) {
        if self.live {
            eprintln!();
        }
        if !self.enabled || self.pages == 0 {
            return;
        }
        eprintln!("search-agents: stopped after {}", self.counts());
        if let Some(cursor) = resume_cursor {
            eprintln!("resume with: --cursor {cursor}");
        }
    }

    /// `N agents in M pages`.
    fn counts(&self) -> String {
        let pages = if self.pages == 1 { "page" } else { "pages" };
        format!("{} agents in {} {pages}", self.agents, self.pages)
    }
}
