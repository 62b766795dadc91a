Feature: Balances of groups of accounts
  The finance team groups accounts into categories, as in a chart of accounts: "Customer deposits" holds
  the customers' wallets, "VIP" a few of them, and categories nest. A category's balance is the sum of
  its accounts' balances, with the accounts of the categories nested in it, each account counted once
  even when it sits in several of them.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL
    And a customer wallet "Bob" in BRL
    And "Alice" receives R$ 50.00 through "Bank"
    And "Bob" receives R$ 30.00 through "Bank"

  Scenario: A category's balance is the sum of its members
    Given a category "Customer deposits"
    And "Alice" is in category "Customer deposits"
    And "Bob" is in category "Customer deposits"
    Then category "Customer deposits" holds R$ 80.00 in 2 accounts

  Scenario: An account in two subcategories counts once
    Given a category "Customer deposits"
    And a category "Brazil" inside "Customer deposits"
    And a category "VIP" inside "Customer deposits"
    And "Alice" is in category "Brazil"
    And "Bob" is in category "Brazil"
    And "Alice" is in category "VIP"
    Then category "Customer deposits" holds R$ 80.00 in 2 accounts
    And the subcategories of "Customer deposits" hold:
      | category | accounts | balance  |
      | Brazil   | 2        | R$ 80.00 |
      | VIP      | 1        | R$ 50.00 |

  Scenario: A payment between members leaves the category's balance as it was
    Given a category "Customer deposits"
    And "Alice" is in category "Customer deposits"
    And "Bob" is in category "Customer deposits"
    When "Alice" sends R$ 20.00 to "Bob"
    Then category "Customer deposits" holds R$ 80.00 in 2 accounts

  Scenario: An account taken out of a category no longer counts
    Given a category "Customer deposits"
    And "Alice" is in category "Customer deposits"
    And "Bob" is in category "Customer deposits"
    When "Bob" is taken out of category "Customer deposits"
    Then category "Customer deposits" holds R$ 50.00 in 1 account

  Scenario: A category cannot be moved inside one of its own subcategories
    Given a category "Customer deposits"
    And a category "VIP" inside "Customer deposits"
    When category "Customer deposits" is moved inside "VIP"
    Then the move is refused: a category cannot be nested in itself
