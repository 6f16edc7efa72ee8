# Prepares a fresh Redmine database for syncd's tests; run through `rails runner` by
# redmine.sh after the migrations and the default data. Prints one JSON object: the API keys
# and the ids the tests need. The API keys are printed once here and kept in info.json.
require "json"

Setting.rest_api_enabled = "1"
Setting.text_formatting = "common_mark"
Setting.login_required = "1"
Setting.default_language = "en"
Setting.mail_handler_api_enabled = "0"

def user(login, first, last, admin: false)
  u = User.find_by_login(login) || User.new
  u.login = login
  u.firstname = first
  u.lastname = last
  u.mail = "#{login}@example.com"
  u.admin = admin
  u.status = User::STATUS_ACTIVE
  u.password = u.password_confirmation = "#{login}-#{SecureRandom.hex(8)}"
  u.must_change_passwd = false
  u.mail_notification = "none"
  u.save!
  u
end

def project(identifier, name, is_public)
  p = Project.find_by_identifier(identifier) || Project.new
  p.identifier = identifier
  p.name = name
  p.is_public = is_public
  p.enabled_module_names = %w[issue_tracking]
  p.trackers = Tracker.all
  p.save!
  p
end

admin = User.find_by_login("admin")
admin.must_change_passwd = false
admin.save!
syncd = user("syncd", "syncd", "Bot")
dana = user("dana", "Dana", "Developer")
manager = Role.find_by!(name: "Manager")
developer = Role.find_by!(name: "Developer")

labels = IssueCustomField.find_by(name: "Labels") || IssueCustomField.new
labels.name = "Labels"
labels.field_format = "string"
labels.is_for_all = false
labels.is_filter = true
labels.searchable = true
labels.visible = true
labels.trackers = Tracker.all
labels.save!

widgets = project("widgets", "Widgets", true)
secret = project("secret", "Secret", false)
[widgets, secret].each do |p|
  # enabled per project, so that the project's API answer lists it for syncd to find by name
  p.issue_custom_field_ids = (p.issue_custom_field_ids + [labels.id]).uniq
  Member.create!(project: p, principal: syncd, roles: [manager]) unless syncd.member_of?(p)
  Member.create!(project: p, principal: dana, roles: [developer]) unless dana.member_of?(p)
end

out = {
  "syncd_user" => syncd.login,
  "syncd_user_id" => syncd.id,
  "syncd_key" => syncd.api_key,
  "developer_user" => dana.login,
  "developer_user_id" => dana.id,
  "developer_key" => dana.api_key,
  "admin_key" => admin.api_key,
  "project" => widgets.identifier,
  "private_project" => secret.identifier,
  "labels_field_id" => labels.id,
  "trackers" => Tracker.all.map { |t| [t.name, t.id] }.to_h,
  "statuses" => IssueStatus.all.map { |s| [s.name, s.id] }.to_h,
  "priorities" => IssuePriority.all.map { |p| [p.name, p.id] }.to_h,
}
puts "SETUP-JSON " + JSON.generate(out)
