# Nothing registered: a referral's reason, summary and history are free text
# about a person, and the Django admin is for administrators, who see no case data.
