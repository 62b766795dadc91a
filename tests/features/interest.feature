Feature: Interest accrues every day and is paid once the month is over
  A savings account earns interest on what it holds at the end of each day. The interest job usually
  runs every night for the day that has just ended. It sets each day's interest aside, to the fraction
  of a cent, and pays it into the account once the month is over: one payment a month, the same payment
  whether the job ran every night or once for the whole month. An account about to be closed cannot wait
  for the end of the month, so the job can also pay what has been set aside so far.

  Background:
    Given a savings account "Savings" holding R$ 10000.00 since 28 February 2025
    And "Savings" earns 10.00 % a year (ACT/365F) from 1 March 2025, paid by "Interest expense"

  Scenario: A nightly job pays March once, when March is over
    When the interest job runs every night from 1 March 2025 to 31 March 2025
    Then "Savings" has been paid interest once: R$ 84.93 for 1 March 2025 to 31 March 2025
    And "Savings" has a balance of R$ 10084.93

  Scenario: While the month goes on, interest is set aside and nothing is paid
    When the interest job runs every night from 1 March 2025 to 20 March 2025
    Then "Savings" has been paid no interest
    And "Savings" has a balance of R$ 10000.00

  Scenario: One run for the whole month pays the same as the nightly runs
    When the interest job runs once from 1 March 2025 to 31 March 2025
    Then "Savings" has been paid interest once: R$ 84.93 for 1 March 2025 to 31 March 2025

  Scenario: Before an account is closed, what was set aside is paid at once
    Given the interest job has run every night from 1 March 2025 to 19 March 2025
    When the interest job runs once from 20 March 2025 to 20 March 2025, paying what is set aside
    Then "Savings" has been paid interest once: R$ 54.79 for 1 March 2025 to 20 March 2025
