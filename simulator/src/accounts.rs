//! The fixed accounts tests log in with, and HTTP Basic authentication.
//!
//! Every account is on platform US1 (the 5th character of the login, `_`, says so) and Active.
//! Use the constants rather than string literals, e.g.
//! `(accounts::MANAGER.login, accounts::MANAGER.password)`.
//!
//! | constant | login | role | business unit | behaviour |
//! |---|---|---|---|---|
//! | [`MANAGER`] | `acme_mg1` | Manager | Unassigned | everything |
//! | [`ADMINISTRATOR`] | `acme_ad1` | Administrator | Unassigned | everything; user.php not on Managers/Administrators |
//! | [`UNIT_MANAGER`] | `acme_um1` | Unit Manager | Europe | user list and user.php limited to Europe |
//! | [`READER`] | `acme_rd1` | Reader | Unassigned | may search/count; no user list, no user.php, no scans |
//! | [`SPECIAL_PASSWORD_MANAGER`] | `acme_sp1` | Manager | Unassigned | password with `:`, `@`, `&`, `<`, non-ASCII |
//! | [`EXPIRED`] | `acme_ex1` | Manager | Unassigned | every call refused, number/CODE 2001 (see below) |
//! | [`REGISTRATION_INCOMPLETE`] | `acme_nr1` | Manager | Unassigned | every call refused, number/CODE 2003 |
//! | [`NO_API_ACCESS`] | `acme_na1` | Manager | Unassigned | every `/qps/` call: `UNAUTHORIZED`; `/msp/` works |
//! | [`IP_NOT_ALLOWED`] | `acme_ip1` | Manager | Unassigned | every call refused, number/CODE 2007 (caller's IP not allowed) |
//!
//! # How the refused accounts are answered
//!
//! [`EXPIRED`], [`REGISTRATION_INCOMPLETE`] and [`IP_NOT_ALLOWED`] are refused after their
//! password checks, always with HTTP 200, in the shape of the API family:
//!
//! * `/msp/` (the old v1 APIs): `GENERIC_RETURN` with `RETURN status="FAILED" number="N"`, its
//!   text on a line of its own (recorded answer of an expired account, keydra tests):
//!
//!   ```xml
//!   <?xml version="1.0" encoding="UTF-8" ?>
//!   <!DOCTYPE GENERIC_RETURN SYSTEM "https://qualysapi.qualys.com/generic_return.dtd">
//!   <GENERIC_RETURN>
//!     <API name="about.php" username="acme_ex1" at="2026-11-01T00:00:00Z" />
//!     <RETURN status="FAILED" number="2001">
//!         Account Expired
//!     </RETURN>
//!   </GENERIC_RETURN>
//!   ```
//!
//!   `API@name` is the file name of the endpoint called. A test that wants the other family on
//!   `/msp/` calls `Simulator::set_msp_failure_family(FailureFamily::SimpleReturn)`.
//! * `/qps/` (and, on real Qualys, `/api/2.0/fo/`, which the simulator does not serve):
//!   `SIMPLE_RETURN` with `CODE` N and a padded `TEXT`.
//!
//! The texts: 2001 `Account Expired` (recorded) on `/msp/`, `Your account has expired. …` in
//! `SIMPLE_RETURN`; 2003 `Registration must be completed before API requests will be
//! processed.`; 2007 `Login failed: Your IP address is not allowed to access this account.`
//! Only the 2001 `GENERIC_RETURN` text is recorded; **the other wordings are unverified**.
//!
//! Basic credentials are decoded the way Qualys does: base64 of `login:password`, split at the
//! **first** colon (so the password may contain colons), decoded as UTF-8.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A Qualys user role, as `USER_ROLE` writes it (see [`Role::as_qualys_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Full rights, including on every user.
    Manager,
    /// Like a Manager, but may not change Managers or Administrators.
    Administrator,
    /// Manages the users of its own business unit.
    UnitManager,
    /// Runs scans; no user administration.
    Scanner,
    /// Read-only.
    Reader,
    /// Compliance read-only.
    Auditor,
}

impl Role {
    /// Every role, in the order above.
    pub const ALL: [Role; 6] = [
        Role::Manager,
        Role::Administrator,
        Role::UnitManager,
        Role::Scanner,
        Role::Reader,
        Role::Auditor,
    ];

    /// The text Qualys writes in `USER_ROLE`: `Manager`, `Administrator`, `Unit Manager`,
    /// `Scanner`, `Reader`, `Auditor`.
    pub fn as_qualys_str(self) -> &'static str {
        match self {
            Role::Manager => "Manager",
            Role::Administrator => "Administrator",
            Role::UnitManager => "Unit Manager",
            Role::Scanner => "Scanner",
            Role::Reader => "Reader",
            Role::Auditor => "Auditor",
        }
    }

    /// Whether the role may list users and call `user.php` at all.
    pub(crate) fn administers_users(self) -> bool {
        matches!(
            self,
            Role::Manager | Role::Administrator | Role::UnitManager
        )
    }

    /// Whether the role may launch on-demand Cloud Agent scans.
    pub(crate) fn launches_scans(self) -> bool {
        !matches!(self, Role::Reader | Role::Auditor)
    }
}

/// What is special about an account, beyond its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountState {
    /// Works normally.
    Normal,
    /// Subscription expired: every call answers `SIMPLE_RETURN` CODE 2001 with HTTP 200.
    Expired,
    /// First login never completed: every call answers `SIMPLE_RETURN` CODE 2003 with HTTP 200.
    RegistrationIncomplete,
    /// No Cloud Agent / asset-management API access: every `/qps/` call answers `UNAUTHORIZED`.
    NoQpsAccess,
    /// Logins from the caller's IP address are not allowed: every call answers number/CODE 2007
    /// with HTTP 200 (`GENERIC_RETURN` on `/msp/`, `SIMPLE_RETURN` on `/qps/`).
    IpNotAllowed,
}

impl AccountState {
    /// The Qualys failure number every call of such an account gets (2001, 2003, 2007), `None`
    /// for accounts whose calls are not all refused.
    pub fn refusal_number(self) -> Option<u32> {
        match self {
            AccountState::Expired => Some(2001),
            AccountState::RegistrationIncomplete => Some(2003),
            AccountState::IpNotAllowed => Some(2007),
            AccountState::Normal | AccountState::NoQpsAccess => None,
        }
    }
}

/// Which document an `/msp/` call of a refused account (2001, 2003, 2007) gets; see the module
/// docs. `/qps/` calls always get `SIMPLE_RETURN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FailureFamily {
    /// `GENERIC_RETURN/RETURN status="FAILED" number="N"`, what real Qualys answers (default).
    #[default]
    GenericReturn,
    /// `SIMPLE_RETURN/RESPONSE/CODE` N, the shape of the v2 APIs.
    SimpleReturn,
}

/// A fixed account of the simulated subscription: credentials, role and quirks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Account {
    /// The login (platform US1).
    pub login: &'static str,
    /// The clear-text password.
    pub password: &'static str,
    /// The user role.
    pub role: Role,
    /// The business unit.
    pub business_unit: &'static str,
    /// What is special about it.
    pub state: AccountState,
}

const fn normal(
    login: &'static str,
    password: &'static str,
    role: Role,
    business_unit: &'static str,
) -> Account {
    Account {
        login,
        password,
        role,
        business_unit,
        state: AccountState::Normal,
    }
}

const fn manager_with_state(
    login: &'static str,
    password: &'static str,
    state: AccountState,
) -> Account {
    Account {
        login,
        password,
        role: Role::Manager,
        business_unit: UNASSIGNED,
        state,
    }
}

/// The default business unit.
pub const UNASSIGNED: &str = "Unassigned";
/// The business unit of [`UNIT_MANAGER`].
pub const EUROPE: &str = "Europe";

/// Password of [`MANAGER`].
pub const MANAGER_PASSWORD: &str = "Mg1-Simulated-2026";
/// Password of [`ADMINISTRATOR`].
pub const ADMINISTRATOR_PASSWORD: &str = "Ad1-Simulated-2026";
/// Password of [`UNIT_MANAGER`].
pub const UNIT_MANAGER_PASSWORD: &str = "Um1-Simulated-2026";
/// Password of [`READER`].
pub const READER_PASSWORD: &str = "Rd1-Simulated-2026";
/// Password of [`SPECIAL_PASSWORD_MANAGER`]: contains `:`, `@`, `&`, `<`, `>` and non-ASCII.
pub const SPECIAL_PASSWORD: &str = "p:ss@w&rd<ü>€";
/// Password of [`EXPIRED`].
pub const EXPIRED_PASSWORD: &str = "Ex1-Simulated-2026";
/// Password of [`REGISTRATION_INCOMPLETE`].
pub const REGISTRATION_INCOMPLETE_PASSWORD: &str = "Nr1-Simulated-2026";
/// Password of [`NO_API_ACCESS`].
pub const NO_API_ACCESS_PASSWORD: &str = "Na1-Simulated-2026";
/// Password of [`IP_NOT_ALLOWED`].
pub const IP_NOT_ALLOWED_PASSWORD: &str = "Ip1-Simulated-2026";

/// `acme_mg1`: Manager, business unit Unassigned.
pub const MANAGER: Account = normal("acme_mg1", MANAGER_PASSWORD, Role::Manager, UNASSIGNED);
/// `acme_ad1`: Administrator, business unit Unassigned.
pub const ADMINISTRATOR: Account = normal(
    "acme_ad1",
    ADMINISTRATOR_PASSWORD,
    Role::Administrator,
    UNASSIGNED,
);
/// `acme_um1`: Unit Manager of business unit Europe.
pub const UNIT_MANAGER: Account =
    normal("acme_um1", UNIT_MANAGER_PASSWORD, Role::UnitManager, EUROPE);
/// `acme_rd1`: Reader, business unit Unassigned.
pub const READER: Account = normal("acme_rd1", READER_PASSWORD, Role::Reader, UNASSIGNED);
/// `acme_sp1`: Manager whose password is [`SPECIAL_PASSWORD`].
pub const SPECIAL_PASSWORD_MANAGER: Account =
    normal("acme_sp1", SPECIAL_PASSWORD, Role::Manager, UNASSIGNED);
/// `acme_ex1`: expired account (CODE 2001 on every call).
pub const EXPIRED: Account =
    manager_with_state("acme_ex1", EXPIRED_PASSWORD, AccountState::Expired);
/// `acme_nr1`: registration not completed (CODE 2003 on every call).
pub const REGISTRATION_INCOMPLETE: Account = manager_with_state(
    "acme_nr1",
    REGISTRATION_INCOMPLETE_PASSWORD,
    AccountState::RegistrationIncomplete,
);
/// `acme_na1`: Manager without Cloud Agent / asset-management API access (`UNAUTHORIZED` on
/// `/qps/`).
pub const NO_API_ACCESS: Account = manager_with_state(
    "acme_na1",
    NO_API_ACCESS_PASSWORD,
    AccountState::NoQpsAccess,
);

/// `acme_ip1`: Manager whose logins are refused for the caller's IP address (2007 on every
/// call).
pub const IP_NOT_ALLOWED: Account = manager_with_state(
    "acme_ip1",
    IP_NOT_ALLOWED_PASSWORD,
    AccountState::IpNotAllowed,
);

/// Every fixed account.
pub const ALL: [Account; 9] = [
    MANAGER,
    ADMINISTRATOR,
    UNIT_MANAGER,
    READER,
    SPECIAL_PASSWORD_MANAGER,
    EXPIRED,
    REGISTRATION_INCOMPLETE,
    NO_API_ACCESS,
    IP_NOT_ALLOWED,
];

/// The fixed account with this login.
pub fn find(login: &str) -> Option<&'static Account> {
    ALL.iter().find(|account| account.login == login)
}

/// The value of an `Authorization` header carrying these credentials (what a correct client
/// sends): `Basic base64(login:password)`.
pub fn basic_authorization(login: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{login}:{password}")))
}

/// Credentials decoded from an `Authorization: Basic` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BasicCredentials {
    pub(crate) login: String,
    pub(crate) password: String,
}

/// Decodes `Basic base64(login:password)`; `None` when the header is not valid Basic.
pub(crate) fn decode_basic(header: &str) -> Option<BasicCredentials> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (login, password) = text.split_once(':')?;
    Some(BasicCredentials {
        login: login.to_owned(),
        password: password.to_owned(),
    })
}

/// The fixed account these credentials log into, if the password is right.
pub(crate) fn verify(credentials: &BasicCredentials) -> Option<&'static Account> {
    find(&credentials.login).filter(|account| account.password == credentials.password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_split_at_the_first_colon_and_decode_utf8() {
        let header = basic_authorization(SPECIAL_PASSWORD_MANAGER.login, SPECIAL_PASSWORD);
        let credentials = decode_basic(&header).expect("valid basic header");
        assert_eq!(credentials.login, "acme_sp1");
        assert_eq!(credentials.password, "p:ss@w&rd<ü>€");
        assert_eq!(verify(&credentials), Some(&SPECIAL_PASSWORD_MANAGER));
    }

    #[test]
    fn basic_decoding_rejects_other_schemes_and_garbage() {
        assert_eq!(decode_basic("Bearer abc"), None);
        assert_eq!(decode_basic("Basic !!!"), None);
        assert_eq!(decode_basic("Basic bm9jb2xvbg=="), None); // "nocolon"
        assert_eq!(decode_basic(""), None);
    }

    #[test]
    fn wrong_password_does_not_verify() {
        let credentials = BasicCredentials {
            login: MANAGER.login.to_owned(),
            password: "wrong".to_owned(),
        };
        assert_eq!(verify(&credentials), None);
    }

    #[test]
    fn every_login_says_platform_us1() {
        for account in ALL {
            assert_eq!(account.login.as_bytes()[4], b'_', "{}", account.login);
        }
    }
}
