Feature: Value dates
  Every payment has two dates: the moment the ledger booked it, and its value date, the day it counts
  for (a late bank file, a refund that belongs to last month). Balances can be read either way: "as
  booked" shows the books as they stood at a moment, what anyone could have seen then; "by value date"
  shows every payment on its value date, including those booked later. A payment without a value date
  counts from the moment it is booked.

  Background:
    Given a settlement account "Bank" in BRL
    And a customer wallet "Alice" in BRL

  Scenario: A backdated payment changes last month's balance but not what was booked then
    Given "Alice" receives R$ 50.00 through "Bank"
    When "Alice" receives R$ 30.00 through "Bank" with value date the 15th of last month
    Then by value date, "Alice" had R$ 30.00 at the end of last month
    And as booked, "Alice" had R$ 0.00 at the end of last month
    And "Alice" has a balance of R$ 80.00

  Scenario: A statement by value date shows a late payment where it belongs
    Given "Alice" receives R$ 50.00 through "Bank" for "Salary"
    When "Alice" receives R$ 30.00 through "Bank" for "Late refund" with value date the 15th of last month
    Then the statement of "Alice" by value date shows:
      | description | paid out | paid in  | balance  |
      | Late refund |          | R$ 30.00 | R$ 30.00 |
      | Salary      |          | R$ 50.00 | R$ 80.00 |
    And the statement of "Alice" shows:
      | description | paid out | paid in  | balance  |
      | Salary      |          | R$ 50.00 | R$ 50.00 |
      | Late refund |          | R$ 30.00 | R$ 80.00 |

  Scenario: Daily balances by value date, for a chart or a reconciliation
    When "Alice" receives R$ 30.00 through "Bank" with value date the 15th of last month
    And "Alice" sends R$ 10.00 to "Bank" with value date the 16th of last month
    Then the daily balances of "Alice" by value date from the 14th to the 17th of last month are:
      | day  | balance  |
      | 14th | R$ 0.00  |
      | 15th | R$ 30.00 |
      | 16th | R$ 20.00 |
      | 17th | R$ 20.00 |
    And the daily balances of "Alice" as booked from the 14th to the 17th of last month are all R$ 0.00

  Scenario: Last month's trial balance by value date includes what was backdated into it
    Given "Alice" receives R$ 50.00 through "Bank"
    When "Alice" receives R$ 30.00 through "Bank" with value date the 15th of last month
    Then by value date through the end of last month, the books balance with R$ 30.00 of debits and credits
