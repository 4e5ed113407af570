//! The user endpoints: `/msp/user_list.php` and `/msp/user.php`, over the user directory
//! (`directory.rs`: the fixed accounts, the [`scenario`] users and the generated ones).
//!
//! # `user_list.php`
//!
//! ```xml
//! <!DOCTYPE USER_LIST_OUTPUT SYSTEM "https://qualysapi.qualys.com/user_list_output.dtd">
//! <USER_LIST_OUTPUT>
//!   <USER_LIST>
//!     <USER>
//!       <USER_LOGIN>acme_mg1</USER_LOGIN>
//!       <USER_ID>1100003</USER_ID>
//!       <EXTERNAL_ID><![CDATA[]]></EXTERNAL_ID>
//!       <CONTACT_INFO>
//!         <FIRSTNAME><![CDATA[Maria]]></FIRSTNAME><LASTNAME><![CDATA[García]]></LASTNAME>
//!         <TITLE>…</TITLE><PHONE>…</PHONE><EMAIL><![CDATA[acme_mg1@acme.example]]></EMAIL>
//!         <COMPANY><![CDATA[Acme & Co. <EU>]]></COMPANY><CITY>…</CITY><COUNTRY>…</COUNTRY>
//!         <TIME_ZONE_CODE>…</TIME_ZONE_CODE>
//!       </CONTACT_INFO>
//!       <USER_STATUS>Active</USER_STATUS>
//!       <CREATION_DATE>2024-…Z</CREATION_DATE>
//!       <LAST_LOGIN_DATE>2026-…Z</LAST_LOGIN_DATE>   (absent for Pending Activation)
//!       <USER_ROLE>Manager</USER_ROLE>
//!       <BUSINESS_UNIT>Unassigned</BUSINESS_UNIT>
//!       <UNIT_MANAGER_POC>0</UNIT_MANAGER_POC><MANAGER_POC>0</MANAGER_POC>
//!       <UI_INTERFACE_STYLE>standard_blue</UI_INTERFACE_STYLE>
//!     </USER>
//!   </USER_LIST>
//!   <WARNING><CODE>1980</CODE><TEXT>…</TEXT><URL>https://HOST/msp/user_list.php?id_min=N</URL></WARNING>
//! </USER_LIST_OUTPUT>
//! ```
//!
//! Manager and Administrator see everyone, a Unit Manager its own business unit. Reader, Scanner
//! and Auditor get HTTP 200 `<USER_LIST_OUTPUT><ERROR number="2002">…</ERROR></USER_LIST_OUTPUT>`;
//! a non-numeric `id_min` gets `ERROR number="1905"`. At most 1000 users per answer; when more
//! are visible the `WARNING` (CODE 1980) gives the URL of the next page, the same query with
//! `id_min` set to the first user id not shown.
//!
//! # `user.php`
//!
//! `action=activate|deactivate` and `login=…`, from the query string or an urlencoded body;
//! always HTTP 200:
//!
//! ```xml
//! <!DOCTYPE USER_OUTPUT SYSTEM "https://qualysapi.qualys.com/user_output.dtd">
//! <USER_OUTPUT>
//!   <API name="user.php" username="acme_mg1" at="2026-11-01T00:00:00Z"/>
//!   <RETURN status="SUCCESS"><MESSAGE>User acme_im1 has been activated.</MESSAGE></RETURN>
//! </USER_OUTPUT>
//! ```
//!
//! SUCCESS messages are `User LOGIN has been activated.` and `User LOGIN has been
//! deactivated.`; a FAILED answer is `<RETURN status="FAILED" number="N"><MESSAGE>…</MESSAGE>
//! </RETURN>` with the number and message of [`UserActionFailure`], checked in this order:
//! parameters, the caller's role, the target's existence, business unit and role, the caller's own
//! account, the target's status. Only Inactive → Active (activate) and Active → Inactive
//! (deactivate) succeed. A pending `Fault::UserFailedWithoutMessage` makes the next FAILED
//! answer `<RETURN status="FAILED" number="N"/>`.

use time::Duration;

use super::accounts::{Account, Role};
use super::agents::{REFERENCE_INSTANT, format_instant};
use super::directory::UserDirectory;
pub use super::directory::{SimUser, UserStatus, scenario};
use super::lock;
use super::reply::Reply;
use super::server::Call;
use super::xml::{Layout, XmlDoc};

const USER_LIST_DOCTYPE: &str =
    "USER_LIST_OUTPUT SYSTEM \"https://qualysapi.qualys.com/user_list_output.dtd\"";
const USER_OUTPUT_DOCTYPE: &str =
    "USER_OUTPUT SYSTEM \"https://qualysapi.qualys.com/user_output.dtd\"";

/// Most users in one `user_list.php` answer.
pub const USER_LIST_PAGE_SIZE: usize = 1000;
/// Code of the truncation `WARNING` of `user_list.php`.
pub const TRUNCATION_WARNING_CODE: u32 = 1980;
/// `ERROR number` when the caller's role may not list users.
pub const NO_PERMISSION_ERROR: u32 = 2002;

/// Answers `user_list.php`.
pub(crate) fn user_list(call: &Call<'_>) -> Reply {
    if !call.account.role.administers_users() {
        return user_list_error(
            NO_PERMISSION_ERROR,
            "Sorry, you do not have permission to list users.",
        );
    }
    let id_min = match call.request.form_value("id_min") {
        None => 0,
        Some(text) => match text.trim().parse::<u64>() {
            Ok(id_min) => id_min,
            Err(_) => {
                return user_list_error(1905, "Invalid value for parameter id_min.");
            }
        },
    };
    let directory = lock(&call.state.users);
    let mut visible = directory
        .all()
        .iter()
        .filter(|user| user.user_id >= id_min)
        .filter(|user| sees(call.account, user));
    let page: Vec<&SimUser> = visible.by_ref().take(USER_LIST_PAGE_SIZE).collect();
    let next_id = visible.next().map(|user| user.user_id);
    Reply::msp_xml(render_user_list(call, &page, next_id))
}

fn sees(account: &Account, user: &SimUser) -> bool {
    match account.role {
        Role::Manager | Role::Administrator => true,
        Role::UnitManager => user.business_unit == account.business_unit,
        Role::Scanner | Role::Reader | Role::Auditor => false,
    }
}

fn user_list_error(number: u32, text: &str) -> Reply {
    let mut doc = XmlDoc::new(Layout::Indented, Some(USER_LIST_DOCTYPE));
    doc.open("USER_LIST_OUTPUT");
    doc.open_with("ERROR", &[("number", &number.to_string())]);
    doc.text(text);
    doc.close("ERROR");
    doc.close("USER_LIST_OUTPUT");
    Reply::msp_xml(doc.finish())
}

fn render_user_list(call: &Call<'_>, page: &[&SimUser], next_id: Option<u64>) -> Vec<u8> {
    let mut doc = XmlDoc::new(Layout::Indented, Some(USER_LIST_DOCTYPE));
    doc.open("USER_LIST_OUTPUT");
    doc.open("USER_LIST");
    for user in page {
        render_user(&mut doc, user);
    }
    doc.close("USER_LIST");
    if let Some(next_id) = next_id {
        doc.open("WARNING");
        doc.leaf("CODE", &TRUNCATION_WARNING_CODE.to_string());
        doc.leaf(
            "TEXT",
            "The number of users in this output is limited to 1000. Use the URL to get the next users.",
        );
        doc.leaf("URL", &next_page_url(call, next_id));
        doc.close("WARNING");
    }
    doc.close("USER_LIST_OUTPUT");
    doc.finish()
}

fn render_user(doc: &mut XmlDoc, user: &SimUser) {
    doc.open("USER");
    doc.leaf("USER_LOGIN", &user.login);
    doc.leaf("USER_ID", &user.user_id.to_string());
    doc.leaf_cdata("EXTERNAL_ID", "");
    doc.open("CONTACT_INFO");
    doc.leaf_cdata("FIRSTNAME", &user.first_name);
    doc.leaf_cdata("LASTNAME", &user.last_name);
    doc.leaf_cdata("TITLE", title_of(user.role));
    doc.leaf_cdata("PHONE", "+1 555 0100");
    doc.leaf_cdata("EMAIL", &user.email);
    doc.leaf_cdata("COMPANY", "Acme & Co. <EU>");
    doc.leaf_cdata("CITY", "München");
    doc.leaf_cdata("COUNTRY", "Germany");
    doc.leaf("TIME_ZONE_CODE", "DE");
    doc.close("CONTACT_INFO");
    doc.leaf("USER_STATUS", user.status.as_qualys_str());
    let created = REFERENCE_INSTANT - Duration::days(200 + (user.user_id % 500) as i64);
    doc.leaf("CREATION_DATE", &format_instant(created));
    if user.status != UserStatus::PendingActivation {
        let last_login = REFERENCE_INSTANT - Duration::hours(1 + (user.user_id % 2000) as i64);
        doc.leaf("LAST_LOGIN_DATE", &format_instant(last_login));
    }
    doc.leaf("USER_ROLE", user.role.as_qualys_str());
    doc.leaf("BUSINESS_UNIT", &user.business_unit);
    doc.leaf("UNIT_MANAGER_POC", "0");
    doc.leaf("MANAGER_POC", "0");
    doc.leaf("UI_INTERFACE_STYLE", "standard_blue");
    doc.close("USER");
}

fn title_of(role: Role) -> &'static str {
    match role {
        Role::Manager | Role::Administrator => "Security Manager",
        Role::UnitManager => "Team Lead",
        Role::Scanner => "Security Analyst",
        Role::Reader | Role::Auditor => "Auditor",
    }
}

/// The same query with `id_min` replaced, on the host the client called.
fn next_page_url(call: &Call<'_>, next_id: u64) -> String {
    let host = call
        .request
        .header("host")
        .unwrap_or("qualysapi.qualys.com");
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in call.request.form() {
        if key != "id_min" {
            query.append_pair(&key, &value);
        }
    }
    query.append_pair("id_min", &next_id.to_string());
    format!("https://{host}/msp/user_list.php?{}", query.finish())
}

/// The two `user.php` actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserAction {
    Activate,
    Deactivate,
}

impl UserAction {
    fn verb(self) -> &'static str {
        match self {
            UserAction::Activate => "activate",
            UserAction::Deactivate => "deactivate",
        }
    }
}

/// Why `user.php` answered FAILED: each case has its own `RETURN number` and `MESSAGE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserActionFailure {
    /// 1903, `Missing required parameter: NAME.` (`action` or `login`).
    MissingParameter(&'static str),
    /// 1905, `Invalid value for parameter action: 'VALUE'. Use activate or deactivate.`
    InvalidAction(String),
    /// 2002, `You do not have permission to VERB users.` (Reader, Scanner, Auditor).
    RoleNotPermitted {
        /// `activate` or `deactivate`.
        verb: &'static str,
    },
    /// 1905, `User login 'LOGIN' does not exist.`
    UnknownUser {
        /// The login asked for.
        login: String,
    },
    /// 2002, `User LOGIN is not in your business unit (UNIT).` (Unit Manager).
    OutsideBusinessUnit {
        /// The target.
        login: String,
        /// The caller's business unit.
        business_unit: String,
    },
    /// 2002, `You do not have permission to VERB user LOGIN: ROLE accounts can only be changed
    /// by a Manager.` (Administrator or Unit Manager on a Manager or Administrator).
    ProtectedRole {
        /// `activate` or `deactivate`.
        verb: &'static str,
        /// The target.
        login: String,
        /// The target's role, as Qualys writes it.
        role: &'static str,
    },
    /// 2002, `You cannot deactivate your own account.`
    OwnAccount,
    /// 1905, `User LOGIN is already active.` (Qualys publishes no FAILED sample: the number
    /// is a guess, never 1920, which Appendix D gives to a call blocked by other calls.)
    AlreadyActive {
        /// The target.
        login: String,
    },
    /// 1905, `User LOGIN is already inactive.`
    AlreadyInactive {
        /// The target.
        login: String,
    },
    /// 1905, `User LOGIN is pending activation: the user must complete the first login before
    /// the account can be VERBd.`
    PendingActivation {
        /// `activate` or `deactivate`.
        verb: &'static str,
        /// The target.
        login: String,
    },
}

impl UserActionFailure {
    /// The `RETURN number` attribute.
    pub fn number(&self) -> u32 {
        match self {
            UserActionFailure::MissingParameter(_) => 1903,
            UserActionFailure::InvalidAction(_) | UserActionFailure::UnknownUser { .. } => 1905,
            UserActionFailure::RoleNotPermitted { .. }
            | UserActionFailure::OutsideBusinessUnit { .. }
            | UserActionFailure::ProtectedRole { .. }
            | UserActionFailure::OwnAccount => 2002,
            UserActionFailure::AlreadyActive { .. }
            | UserActionFailure::AlreadyInactive { .. }
            | UserActionFailure::PendingActivation { .. } => 1905,
        }
    }

    /// The `MESSAGE` text.
    pub fn message(&self) -> String {
        match self {
            UserActionFailure::MissingParameter(name) => {
                format!("Missing required parameter: {name}.")
            }
            UserActionFailure::InvalidAction(value) => format!(
                "Invalid value for parameter action: '{value}'. Use activate or deactivate."
            ),
            UserActionFailure::RoleNotPermitted { verb } => {
                format!("You do not have permission to {verb} users.")
            }
            UserActionFailure::UnknownUser { login } => {
                format!("User login '{login}' does not exist.")
            }
            UserActionFailure::OutsideBusinessUnit {
                login,
                business_unit,
            } => format!("User {login} is not in your business unit ({business_unit})."),
            UserActionFailure::ProtectedRole { verb, login, role } => format!(
                "You do not have permission to {verb} user {login}: {role} accounts can only be changed by a Manager."
            ),
            UserActionFailure::OwnAccount => "You cannot deactivate your own account.".to_owned(),
            UserActionFailure::AlreadyActive { login } => {
                format!("User {login} is already active.")
            }
            UserActionFailure::AlreadyInactive { login } => {
                format!("User {login} is already inactive.")
            }
            UserActionFailure::PendingActivation { verb, login } => format!(
                "User {login} is pending activation: the user must complete the first login before the account can be {verb}d."
            ),
        }
    }
}

/// Answers `user.php`.
pub(crate) fn user_action(call: &Call<'_>) -> Reply {
    let outcome = {
        let mut directory = lock(&call.state.users);
        apply_user_action(call, &mut directory)
    };
    let omit_message = outcome.is_err()
        && call
            .state
            .faults
            .take_user_failed_without_message(&call.request.path);
    Reply::msp_xml(render_user_output(
        call.account.login,
        &outcome,
        omit_message,
    ))
}

fn apply_user_action(
    call: &Call<'_>,
    directory: &mut UserDirectory,
) -> Result<String, UserActionFailure> {
    let action = match call.request.form_value("action").as_deref() {
        None | Some("") => return Err(UserActionFailure::MissingParameter("action")),
        Some("activate") => UserAction::Activate,
        Some("deactivate") => UserAction::Deactivate,
        Some(other) => return Err(UserActionFailure::InvalidAction(other.to_owned())),
    };
    let login = call
        .request
        .form_value("login")
        .filter(|login| !login.is_empty())
        .ok_or(UserActionFailure::MissingParameter("login"))?;
    let caller = call.account;
    if !caller.role.administers_users() {
        return Err(UserActionFailure::RoleNotPermitted {
            verb: action.verb(),
        });
    }
    let target = directory
        .find_mut(&login)
        .ok_or_else(|| UserActionFailure::UnknownUser {
            login: login.clone(),
        })?;
    check_authority(caller, target, action)?;
    let (from, to) = match action {
        UserAction::Activate => (UserStatus::Inactive, UserStatus::Active),
        UserAction::Deactivate => (UserStatus::Active, UserStatus::Inactive),
    };
    if target.status != from {
        return Err(state_failure(action, target));
    }
    target.status = to;
    Ok(format!("User {login} has been {}d.", action.verb()))
}

fn check_authority(
    caller: &Account,
    target: &SimUser,
    action: UserAction,
) -> Result<(), UserActionFailure> {
    if caller.role == Role::UnitManager && target.business_unit != caller.business_unit {
        return Err(UserActionFailure::OutsideBusinessUnit {
            login: target.login.clone(),
            business_unit: caller.business_unit.to_owned(),
        });
    }
    let protected = matches!(target.role, Role::Manager | Role::Administrator);
    if caller.role != Role::Manager && protected {
        return Err(UserActionFailure::ProtectedRole {
            verb: action.verb(),
            login: target.login.clone(),
            role: target.role.as_qualys_str(),
        });
    }
    if action == UserAction::Deactivate && target.login == caller.login {
        return Err(UserActionFailure::OwnAccount);
    }
    Ok(())
}

fn state_failure(action: UserAction, target: &SimUser) -> UserActionFailure {
    let login = target.login.clone();
    match target.status {
        UserStatus::PendingActivation => UserActionFailure::PendingActivation {
            verb: action.verb(),
            login,
        },
        UserStatus::Active => UserActionFailure::AlreadyActive { login },
        UserStatus::Inactive => UserActionFailure::AlreadyInactive { login },
    }
}

fn render_user_output(
    caller: &str,
    outcome: &Result<String, UserActionFailure>,
    omit_message: bool,
) -> Vec<u8> {
    let mut doc = XmlDoc::new(Layout::Indented, Some(USER_OUTPUT_DOCTYPE));
    doc.open("USER_OUTPUT");
    doc.empty_with(
        "API",
        &[
            ("name", "user.php"),
            ("username", caller),
            ("at", &format_instant(REFERENCE_INSTANT)),
        ],
    );
    match outcome {
        Ok(message) => {
            doc.open_with("RETURN", &[("status", "SUCCESS")]);
            doc.leaf("MESSAGE", message);
            doc.close("RETURN");
        }
        Err(failure) => {
            let message = (!omit_message).then(|| failure.message());
            write_failed_return(&mut doc, failure.number(), message.as_deref());
        }
    }
    doc.close("USER_OUTPUT");
    doc.finish()
}

/// `<RETURN status="FAILED" number="N"><MESSAGE>…</MESSAGE></RETURN>`, or
/// `<RETURN status="FAILED" number="N"/>` without a message.
fn write_failed_return(doc: &mut XmlDoc, number: u32, message: Option<&str>) {
    let number = number.to_string();
    let attributes = [("status", "FAILED"), ("number", number.as_str())];
    match message {
        None => doc.empty_with("RETURN", &attributes),
        Some(message) => {
            doc.open_with("RETURN", &attributes);
            doc.leaf("MESSAGE", message);
            doc.close("RETURN");
        }
    }
}

/// A FAILED `USER_OUTPUT` for any endpoint (`API@name` is `api_name`): how a limit reached
/// on `user.php` can come back (`Fault::Limit409` with `LimitBody::UserOutput`).
pub(crate) fn failed_user_output(
    api_name: &str,
    caller: &str,
    number: u32,
    message: &str,
) -> Vec<u8> {
    let mut doc = XmlDoc::new(Layout::Indented, Some(USER_OUTPUT_DOCTYPE));
    doc.open("USER_OUTPUT");
    doc.empty_with(
        "API",
        &[
            ("name", api_name),
            ("username", caller),
            ("at", &format_instant(REFERENCE_INSTANT)),
        ],
    );
    write_failed_return(&mut doc, number, Some(message));
    doc.close("USER_OUTPUT");
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{ADMINISTRATOR, EUROPE, MANAGER, READER, UNIT_MANAGER};
    use crate::testing::{TestRequest, TestResponse, small_simulator};
    use crate::{Fault, FaultRule, Simulator, SimulatorConfig};

    async fn user_php(
        sim: &Simulator,
        caller: &Account,
        action: &str,
        login: &str,
    ) -> TestResponse {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("action", action)
            .append_pair("login", login)
            .finish();
        TestRequest::post("/msp/user.php")
            .auth(caller)
            .form(&body)
            .send(sim.addr())
            .await
            .expect("answer")
    }

    fn return_status(response: &TestResponse) -> Option<String> {
        let text = response.text();
        let start = text.find("<RETURN status=\"")? + "<RETURN status=\"".len();
        text[start..].split('"').next().map(str::to_owned)
    }

    #[tokio::test]
    async fn user_list_visibility_follows_the_role() {
        let sim = small_simulator().await;
        let list = |account: Account| {
            let addr = sim.addr();
            async move {
                TestRequest::get("/msp/user_list.php")
                    .auth(&account)
                    .send(addr)
                    .await
                    .expect("answer")
            }
        };
        let all = sim.users();
        let manager = list(MANAGER).await;
        assert_eq!(manager.status, 200);
        assert!(manager.text().contains("<!DOCTYPE USER_LIST_OUTPUT SYSTEM"));
        let logins: Vec<String> = all.iter().map(|user| user.login.clone()).collect();
        assert_eq!(manager.texts("USER_LOGIN"), logins);
        assert_eq!(list(ADMINISTRATOR).await.texts("USER_LOGIN"), logins);
        let europe: Vec<String> = all
            .iter()
            .filter(|user| user.business_unit == EUROPE)
            .map(|user| user.login.clone())
            .collect();
        assert!(europe.len() >= 5);
        assert_eq!(list(UNIT_MANAGER).await.texts("USER_LOGIN"), europe);
        let reader = list(READER).await;
        assert_eq!(reader.status, 200);
        assert!(reader.text().contains("<ERROR number=\"2002\">"));
        assert!(reader.texts("USER").is_empty());
        let statuses = manager.texts("USER_STATUS");
        for status in ["Active", "Inactive", "Pending Activation"] {
            assert!(statuses.iter().any(|s| s == status), "{status}");
        }
        assert!(
            manager
                .texts("USER_ROLE")
                .iter()
                .any(|role| role == "Unit Manager")
        );
        assert!(
            manager
                .texts("COMPANY")
                .iter()
                .all(|c| c == "Acme & Co. <EU>")
        );
    }

    #[tokio::test]
    async fn long_user_lists_are_paged_by_1000_with_a_warning_url() {
        let sim = Simulator::start(SimulatorConfig {
            agents: 5,
            untagged_assets: 0,
            users: 2500,
            ..SimulatorConfig::default()
        })
        .await
        .expect("starts");
        let expected: Vec<String> = sim.users().into_iter().map(|user| user.login).collect();
        let mut seen = Vec::new();
        let mut target = "/msp/user_list.php".to_owned();
        let mut pages = 0;
        loop {
            let page = TestRequest::get(&target)
                .auth(&MANAGER)
                .send(sim.addr())
                .await
                .expect("answer");
            pages += 1;
            let logins = page.texts("USER_LOGIN");
            seen.extend(logins.clone());
            let Some(url) = page.first("URL") else {
                assert!(logins.len() <= USER_LIST_PAGE_SIZE);
                break;
            };
            assert_eq!(logins.len(), USER_LIST_PAGE_SIZE);
            assert_eq!(page.first("CODE").as_deref(), Some("1980"));
            let prefix = "https://qualysapi.qualys.com";
            target = url.strip_prefix(prefix).expect("same host").to_owned();
            assert!(target.contains("id_min="));
        }
        assert_eq!(pages, 3);
        assert_eq!(seen, expected);
    }

    #[tokio::test]
    async fn activation_rules_follow_roles_business_units_and_status() {
        let sim = small_simulator().await;
        let cases: Vec<(Account, &str, &str, Result<UserStatus, UserActionFailure>)> = vec![
            (
                ADMINISTRATOR,
                "activate",
                scenario::INACTIVE_MANAGER,
                Err(UserActionFailure::ProtectedRole {
                    verb: "activate",
                    login: scenario::INACTIVE_MANAGER.to_owned(),
                    role: "Manager",
                }),
            ),
            (
                ADMINISTRATOR,
                "activate",
                scenario::INACTIVE_ADMINISTRATOR,
                Err(UserActionFailure::ProtectedRole {
                    verb: "activate",
                    login: scenario::INACTIVE_ADMINISTRATOR.to_owned(),
                    role: "Administrator",
                }),
            ),
            (
                MANAGER,
                "activate",
                scenario::INACTIVE_MANAGER,
                Ok(UserStatus::Active),
            ),
            (
                MANAGER,
                "activate",
                scenario::INACTIVE_ADMINISTRATOR,
                Ok(UserStatus::Active),
            ),
            (
                ADMINISTRATOR,
                "activate",
                scenario::INACTIVE_READER,
                Ok(UserStatus::Active),
            ),
            (
                UNIT_MANAGER,
                "activate",
                scenario::INACTIVE_ASIA_SCANNER,
                Err(UserActionFailure::OutsideBusinessUnit {
                    login: scenario::INACTIVE_ASIA_SCANNER.to_owned(),
                    business_unit: EUROPE.to_owned(),
                }),
            ),
            (
                UNIT_MANAGER,
                "activate",
                scenario::INACTIVE_EUROPE_SCANNER,
                Ok(UserStatus::Active),
            ),
            (
                READER,
                "activate",
                scenario::INACTIVE_EUROPE_READER,
                Err(UserActionFailure::RoleNotPermitted { verb: "activate" }),
            ),
            (
                MANAGER,
                "activate",
                scenario::ACTIVE_SCANNER,
                Err(UserActionFailure::AlreadyActive {
                    login: scenario::ACTIVE_SCANNER.to_owned(),
                }),
            ),
            (
                MANAGER,
                "activate",
                scenario::PENDING_READER,
                Err(UserActionFailure::PendingActivation {
                    verb: "activate",
                    login: scenario::PENDING_READER.to_owned(),
                }),
            ),
            (
                MANAGER,
                "activate",
                "acme_nobody",
                Err(UserActionFailure::UnknownUser {
                    login: "acme_nobody".to_owned(),
                }),
            ),
            (
                MANAGER,
                "promote",
                scenario::INACTIVE_AUDITOR,
                Err(UserActionFailure::InvalidAction("promote".to_owned())),
            ),
            (
                MANAGER,
                "deactivate",
                scenario::ACTIVE_EUROPE_SCANNER,
                Ok(UserStatus::Inactive),
            ),
            (
                MANAGER,
                "deactivate",
                scenario::INACTIVE_AUDITOR,
                Err(UserActionFailure::AlreadyInactive {
                    login: scenario::INACTIVE_AUDITOR.to_owned(),
                }),
            ),
            (
                MANAGER,
                "deactivate",
                MANAGER.login,
                Err(UserActionFailure::OwnAccount),
            ),
        ];
        for (caller, action, login, expected) in cases {
            let before = sim.user(login).map(|user| user.status);
            let response = user_php(&sim, &caller, action, login).await;
            assert_eq!(response.status, 200);
            assert_eq!(response.texts("API").len(), 1);
            let after = sim.user(login).map(|user| user.status);
            match expected {
                Ok(status) => {
                    assert_eq!(
                        return_status(&response).as_deref(),
                        Some("SUCCESS"),
                        "{login}"
                    );
                    assert_eq!(
                        response.first("MESSAGE"),
                        Some(format!("User {login} has been {action}d."))
                    );
                    assert_eq!(after, Some(status));
                }
                Err(failure) => {
                    assert_eq!(
                        return_status(&response).as_deref(),
                        Some("FAILED"),
                        "{login}"
                    );
                    assert_eq!(response.first("MESSAGE"), Some(failure.message()));
                    assert!(
                        response
                            .text()
                            .contains(&format!("number=\"{}\"", failure.number()))
                    );
                    assert_eq!(after, before, "{login} unchanged");
                }
            }
        }
    }

    #[tokio::test]
    async fn user_php_reads_the_query_string_and_needs_a_form_content_type_for_bodies() {
        let sim = small_simulator().await;
        let by_query = TestRequest::get("/msp/user.php?action=activate&login=acme_ir1")
            .auth(&MANAGER)
            .send(sim.addr())
            .await
            .expect("answer");
        assert_eq!(return_status(&by_query).as_deref(), Some("SUCCESS"));
        let untyped = TestRequest::post("/msp/user.php")
            .auth(&MANAGER)
            .body(b"action=activate&login=acme_es1")
            .send(sim.addr())
            .await
            .expect("answer");
        assert_eq!(
            untyped.first("MESSAGE"),
            Some(UserActionFailure::MissingParameter("action").message())
        );
    }

    #[tokio::test]
    async fn user_failed_without_message_fault_hits_the_next_failed_answer_only() {
        let sim = small_simulator().await;
        sim.inject(FaultRule::once(Fault::UserFailedWithoutMessage));
        let about = TestRequest::get("/msp/about.php")
            .auth(&MANAGER)
            .send(sim.addr())
            .await;
        assert_eq!(
            about.expect("answer").status,
            200,
            "other requests do not consume it"
        );
        let success = user_php(&sim, &MANAGER, "activate", scenario::INACTIVE_READER).await;
        assert!(
            success.first("MESSAGE").is_some(),
            "SUCCESS does not consume it"
        );
        let failed = user_php(&sim, &MANAGER, "activate", scenario::PENDING_READER).await;
        assert_eq!(return_status(&failed).as_deref(), Some("FAILED"));
        assert_eq!(failed.first("MESSAGE"), None);
        assert!(failed.text().contains("number=\"1905\""));
        let again = user_php(&sim, &MANAGER, "activate", scenario::PENDING_READER).await;
        assert!(again.first("MESSAGE").is_some());
    }

    #[tokio::test]
    async fn deactivated_account_can_no_longer_log_in() {
        let sim = small_simulator().await;
        let response = user_php(&sim, &MANAGER, "deactivate", READER.login).await;
        assert_eq!(return_status(&response).as_deref(), Some("SUCCESS"));
        let refused = TestRequest::get("/msp/about.php")
            .auth(&READER)
            .send(sim.addr())
            .await
            .expect("answer");
        assert_eq!(refused.status, 401);
    }

    #[tokio::test]
    async fn added_users_appear_in_the_list() {
        let sim = small_simulator().await;
        sim.add_user(SimUser::new(
            "acme_new1",
            Role::Scanner,
            UserStatus::Inactive,
            EUROPE,
        ));
        let user = sim.user("acme_new1").expect("added");
        assert!(user.user_id > 0);
        let list = TestRequest::get("/msp/user_list.php")
            .auth(&UNIT_MANAGER)
            .send(sim.addr())
            .await
            .expect("answer");
        assert!(list.texts("USER_LOGIN").contains(&"acme_new1".to_owned()));
    }

    #[test]
    fn failure_numbers_and_messages_are_distinct_per_case() {
        let failures = [
            UserActionFailure::MissingParameter("login"),
            UserActionFailure::InvalidAction("x".to_owned()),
            UserActionFailure::RoleNotPermitted { verb: "activate" },
            UserActionFailure::UnknownUser {
                login: "a".to_owned(),
            },
            UserActionFailure::OutsideBusinessUnit {
                login: "a".to_owned(),
                business_unit: "Europe".to_owned(),
            },
            UserActionFailure::ProtectedRole {
                verb: "activate",
                login: "a".to_owned(),
                role: "Manager",
            },
            UserActionFailure::OwnAccount,
            UserActionFailure::AlreadyActive {
                login: "a".to_owned(),
            },
            UserActionFailure::AlreadyInactive {
                login: "a".to_owned(),
            },
            UserActionFailure::PendingActivation {
                verb: "activate",
                login: "a".to_owned(),
            },
        ];
        let mut messages: Vec<String> = failures.iter().map(UserActionFailure::message).collect();
        messages.sort();
        messages.dedup();
        assert_eq!(messages.len(), failures.len());
    }
}
